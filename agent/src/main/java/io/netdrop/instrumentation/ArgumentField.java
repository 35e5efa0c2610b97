package io.netdrop.instrumentation;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.annotation.AnnotationDescription;
import net.bytebuddy.description.field.FieldDescription;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.description.method.ParameterDescription;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.dynamic.scaffold.FieldLocator;
import net.bytebuddy.implementation.bytecode.StackManipulation;
import net.bytebuddy.implementation.bytecode.assign.Assigner;
import net.bytebuddy.implementation.bytecode.assign.TypeCasting;
import net.bytebuddy.implementation.bytecode.member.FieldAccess;
import net.bytebuddy.implementation.bytecode.member.MethodVariableAccess;

/**
 * Binds an advice parameter to a field of one of the instrumented method's arguments, read as if
 * the argument had the instrumented type: {@code @ArgumentField(argument = 0, field = "fd")} is
 * {@code ((ThisType) arg0).fd}.
 *
 * <p>{@code NioSocketImpl.accept(SocketImpl si)} stores the accepted descriptor in
 * {@code si.fd}, a {@code protected} field of {@code java.net.SocketImpl}: advice compiled in our
 * package cannot name it, but code inside {@code NioSocketImpl} may read it through a
 * {@code NioSocketImpl} reference, which is exactly what this mapping emits.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.PARAMETER)
@interface ArgumentField {
  /** Index of the instrumented method's argument. */
  int argument();

  /** Name of the field, looked up in the instrumented type and its superclasses. */
  String field();

  /** Registers {@link ArgumentField} with {@code Advice.withCustomMapping().bind(...)}. */
  enum Factory implements Advice.OffsetMapping.Factory<ArgumentField> {
    INSTANCE;

    @Override
    public Class<ArgumentField> getAnnotationType() {
      return ArgumentField.class;
    }

    @Override
    public Advice.OffsetMapping make(
        ParameterDescription.InDefinedShape target,
        AnnotationDescription.Loadable<ArgumentField> annotation,
        AdviceType adviceType) {
      ArgumentField spec = annotation.load();
      return (instrumentedType, instrumentedMethod, assigner, argumentHandler, sort) ->
          resolve(spec, target, instrumentedType, instrumentedMethod, assigner, argumentHandler);
    }

    private static Advice.OffsetMapping.Target resolve(
        ArgumentField spec,
        ParameterDescription.InDefinedShape target,
        TypeDescription instrumentedType,
        MethodDescription instrumentedMethod,
        Assigner assigner,
        Advice.ArgumentHandler argumentHandler) {
      if (spec.argument() < 0 || spec.argument() >= instrumentedMethod.getParameters().size()) {
        throw new IllegalStateException(
            instrumentedMethod + " has no argument " + spec.argument() + " for @ArgumentField");
      }
      ParameterDescription argument = instrumentedMethod.getParameters().get(spec.argument());
      FieldLocator.Resolution resolution =
          new FieldLocator.ForClassHierarchy(instrumentedType).locate(spec.field());
      if (!resolution.isResolved() || resolution.getField().isStatic()) {
        throw new IllegalStateException(
            instrumentedType.getName() + " has no instance field '" + spec.field() + "' for @ArgumentField");
      }
      FieldDescription field = resolution.getField();
      StackManipulation assignment =
          assigner.assign(field.getType(), target.getType(), Assigner.Typing.STATIC);
      if (!assignment.isValid()) {
        throw new IllegalStateException(
            "field " + field + " cannot be assigned to advice parameter " + target);
      }
      return new Advice.OffsetMapping.Target.ForStackManipulation(
          new StackManipulation.Compound(
              MethodVariableAccess.of(argument.getType())
                  .loadFrom(argumentHandler.argument(argument.getOffset())),
              TypeCasting.to(instrumentedType),
              FieldAccess.forField(field).read(),
              assignment));
    }
  }
}
