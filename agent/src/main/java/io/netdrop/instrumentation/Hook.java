package io.netdrop.instrumentation;

import java.util.Objects;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.matcher.ElementMatcher;

/** One piece of advice and the methods of a target type it goes into. */
final class Hook {
  private final String event;
  private final ElementMatcher<? super MethodDescription> methods;
  private final Class<?> advice;

  private Hook(String event, ElementMatcher<? super MethodDescription> methods, Class<?> advice) {
    this.event = Objects.requireNonNull(event, "event");
    this.methods = Objects.requireNonNull(methods, "methods");
    this.advice = Objects.requireNonNull(advice, "advice");
  }

  /**
   * Creates a hook.
   *
   * @param event what the hook reports, for the message when no method matches (e.g. "accepted")
   */
  static Hook of(String event, ElementMatcher<? super MethodDescription> methods, Class<?> advice) {
    return new Hook(event, methods, advice);
  }

  String event() {
    return event;
  }

  ElementMatcher<? super MethodDescription> methods() {
    return methods;
  }

  Class<?> advice() {
    return advice;
  }
}
