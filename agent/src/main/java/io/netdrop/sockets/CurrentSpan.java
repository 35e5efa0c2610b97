package io.netdrop.sockets;

/**
 * Reads the trace span that is current on the calling thread, for the registry to note which span
 * used a connection. The span is an opaque handle to the registry: what it is (an OpenTelemetry
 * {@code Span} of one API copy or another) is the business of the telemetry that supplies this.
 *
 * <p>Called from socket hooks on the application's threads, on every read and write: an
 * implementation must be fast, must not allocate when no span is current, and must not throw.
 */
@FunctionalInterface
public interface CurrentSpan {
  /** The span current on this thread if it is a valid one (it has a trace), else null. */
  Object get();

  /**
   * Whether two values of {@link #get} are the same span. Identity by default; an implementation
   * whose {@code get} may wrap one span in a new object each time says so here.
   */
  default boolean same(Object a, Object b) {
    return a == b;
  }

  /**
   * What a closed connection keeps of {@code span}, a value of {@link #get}, for the drops that
   * still come within the grace period: the span itself by default. An implementation may return a
   * smaller handle that the drop sinks treat alike, e.g. only the identity of a span that has
   * ended: a busy server closes thousands of connections a second, and each would otherwise hold
   * its request's whole span (attributes, events) for the grace period. Called on netdrop's own
   * thread; may throw.
   */
  default Object settle(Object span) {
    return span;
  }
}
