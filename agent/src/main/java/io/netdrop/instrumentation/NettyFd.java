package io.netdrop.instrumentation;

import static net.bytebuddy.matcher.ElementMatchers.isPublic;
import static net.bytebuddy.matcher.ElementMatchers.isStatic;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.not;
import static net.bytebuddy.matcher.ElementMatchers.returns;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.util.ArrayList;
import java.util.List;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.annotation.AnnotationDescription;
import net.bytebuddy.description.field.FieldDescription;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.description.method.MethodList;
import net.bytebuddy.description.method.ParameterDescription;
import net.bytebuddy.description.type.TypeDefinition;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.dynamic.scaffold.FieldLocator;
import net.bytebuddy.implementation.bytecode.StackManipulation;
import net.bytebuddy.implementation.bytecode.assign.Assigner;
import net.bytebuddy.implementation.bytecode.member.FieldAccess;
import net.bytebuddy.implementation.bytecode.member.MethodInvocation;
import net.bytebuddy.implementation.bytecode.member.MethodVariableAccess;

/**
 * Binds an advice parameter to the descriptor of a Netty {@code io.netty.channel.unix.FileDescriptor}
 * reached from {@code this} through a chain of fields: {@code @NettyFd({"this$0", "socket"})} is
 * {@code this.this$0.socket.intValue()}.
 *
 * <p>Netty's io_uring channels keep their socket in the package-private field
 * {@code AbstractIoUringChannel.socket} (a {@code LinuxSocket}); its {@code int fd} field lives in
 * another package, {@code io.netty.channel.unix}, so advice cannot read it with
 * {@code @Advice.FieldValue}. The public {@code intValue()} is what Netty itself calls. Advice is
 * compiled without Netty, so the field types are only known here, from the instrumented class.
 * A null field on the way throws inside the advice, where {@code suppress = Throwable.class}
 * discards it.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.PARAMETER)
@interface NettyFd {
  /** Field names, starting in the instrumented type; the last one holds the FileDescriptor. */
  String[] value();

  /** Registers {@link NettyFd} with {@code Advice.withCustomMapping().bind(...)}. */
  enum Factory implements Advice.OffsetMapping.Factory<NettyFd> {
    INSTANCE;

    @Override
    public Class<NettyFd> getAnnotationType() {
      return NettyFd.class;
    }

    @Override
    public Advice.OffsetMapping make(
        ParameterDescription.InDefinedShape target,
        AnnotationDescription.Loadable<NettyFd> annotation,
        AdviceType adviceType) {
      String[] path = annotation.load().value();
      return (instrumentedType, instrumentedMethod, assigner, argumentHandler, sort) ->
          resolve(path, target, instrumentedType, instrumentedMethod, assigner);
    }

    private static Advice.OffsetMapping.Target resolve(
        String[] path,
        ParameterDescription.InDefinedShape target,
        TypeDescription instrumentedType,
        MethodDescription instrumentedMethod,
        Assigner assigner) {
      if (path.length == 0) {
        throw new IllegalStateException("@NettyFd needs at least one field name");
      }
      if (instrumentedMethod.isStatic()) {
        throw new IllegalStateException("@NettyFd reads fields of this, but " + instrumentedMethod + " is static");
      }
      List<StackManipulation> code = new ArrayList<>();
      code.add(MethodVariableAccess.loadThis());
      TypeDescription holder = instrumentedType;
      for (String name : path) {
        FieldLocator.Resolution resolution = new FieldLocator.ForClassHierarchy(holder, instrumentedType).locate(name);
        if (!resolution.isResolved() || resolution.getField().isStatic()) {
          throw new IllegalStateException(
              holder.getName() + " has no instance field '" + name + "' visible to "
                  + instrumentedType.getName() + " for @NettyFd");
        }
        FieldDescription field = resolution.getField();
        code.add(FieldAccess.forField(field.asDefined()).read());
        holder = field.getType().asErasure();
      }
      MethodDescription intValue = intValue(holder);
      StackManipulation assignment =
          assigner.assign(intValue.getReturnType(), target.getType(), Assigner.Typing.STATIC);
      if (!assignment.isValid()) {
        throw new IllegalStateException("an int descriptor cannot be assigned to advice parameter " + target);
      }
      code.add(MethodInvocation.invoke(intValue.asDefined()).virtual(holder));
      code.add(assignment);
      return new Advice.OffsetMapping.Target.ForStackManipulation(new StackManipulation.Compound(code));
    }

    /** Netty's {@code public int intValue()}, declared by {@code FileDescriptor}. */
    private static MethodDescription intValue(TypeDescription type) {
      for (TypeDefinition t = type; t != null; t = t.getSuperClass()) {
        MethodList<?> found =
            t.getDeclaredMethods()
                .filter(named("intValue").and(takesArguments(0)).and(returns(int.class)).and(isPublic()).and(not(isStatic())));
        if (!found.isEmpty()) {
          return found.getOnly();
        }
      }
      throw new IllegalStateException(type.getName() + " has no public int intValue() for @NettyFd");
    }
  }
}
