package io.netdrop.instrumentation;

import java.security.ProtectionDomain;
import java.util.ArrayList;
import java.util.List;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.asm.AsmVisitorWrapper;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.dynamic.DynamicType;
import net.bytebuddy.utility.JavaModule;

/**
 * The hooks of one class, named by its binary name, as a Byte Buddy transformer. Advice classes
 * are parsed once, here; a hook that matches no method of the class (its JDK or Netty version
 * renamed it) is reported once to the {@link ProblemLog} rather than silently reporting nothing.
 */
final class TypeHooks implements AgentBuilder.Transformer {
  private final String typeName;
  private final List<Hook> hooks;
  private final List<AsmVisitorWrapper> visitors = new ArrayList<>();
  private final ProblemLog problems;

  TypeHooks(String typeName, List<Hook> hooks, ProblemLog problems) {
    this.typeName = typeName;
    this.hooks = List.copyOf(hooks);
    this.problems = problems;
    Advice.WithCustomMapping mapping = Advice.withCustomMapping().bind(ArgumentField.Factory.INSTANCE).bind(NettyFd.Factory.INSTANCE);
    for (Hook hook : this.hooks) {
      visitors.add(mapping.to(hook.advice()).on(hook.methods()));
    }
  }

  String typeName() {
    return typeName;
  }

  @Override
  public DynamicType.Builder<?> transform(
      DynamicType.Builder<?> builder,
      TypeDescription type,
      ClassLoader classLoader,
      JavaModule module,
      ProtectionDomain protectionDomain) {
    for (int i = 0; i < hooks.size(); i++) {
      Hook hook = hooks.get(i);
      if (type.getDeclaredMethods().filter(hook.methods()).isEmpty()) {
        problems.report(
            type.getName() + " has no method for the '" + hook.event()
                + "' hook; those events are not reported for it");
      }
      builder = builder.visit(visitors.get(i));
    }
    return builder;
  }
}
