package io.netdrop.examples.spring;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Tells the caller which trace its request is: the {@code X-Trace-Id} response header holds the
 * trace id of the request's span (from the OpenTelemetry Java agent; absent without it), and
 * {@code X-Span-Recording} whether that span records (bench/service-overhead.sh checks it).
 */
@Component
public final class TraceIdFilter extends OncePerRequestFilter {

  /** The response header. */
  public static final String HEADER = "X-Trace-Id";

  /** The response header saying whether the request's span records ({@code true}/{@code false}). */
  public static final String RECORDING_HEADER = "X-Span-Recording";

  @Override
  protected void doFilterInternal(
      HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    Span current = Span.current();
    SpanContext span = current.getSpanContext();
    if (span.isValid()) {
      response.setHeader(HEADER, span.getTraceId());
      response.setHeader(RECORDING_HEADER, Boolean.toString(current.isRecording()));
    }
    chain.doFilter(request, response);
  }
}
