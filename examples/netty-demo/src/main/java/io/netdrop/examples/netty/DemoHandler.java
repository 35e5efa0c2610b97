package io.netdrop.examples.netty;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoop;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * The service's endpoints: each POST runs one scenario on the request's own event loop, inside the
 * request's span, and answers with its JSON summary once it is over. The {@code X-Trace-Id}
 * response header holds the request's trace id (from the OpenTelemetry Java agent).
 */
final class DemoHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
  static final String INDEX =
      "{\"POST /inventory\":\"connects to a closed port: NO_SOCKET\","
          + "\"POST /reports\":\"a downstream whose accept queue is full: LISTEN_OVERFLOW\","
          + "\"POST /metrics\":\"UDP burst into a tiny receive buffer: SOCKET_RCVBUFF\","
          + "\"POST /payments\":\"a downstream behind an nftables drop rule: NETFILTER_DROP\","
          + "\"POST /pricing\":\"a downstream that answers after we closed: NOT_SPECIFIED\"}";

  private final Scenarios scenarios;

  DemoHandler(Scenarios scenarios) {
    this.scenarios = scenarios;
  }

  /** The scenarios, by path. */
  record Scenarios(
      RefusedConnects inventory, StuckListener reports, UdpBurst metrics, FirewalledConnect payments,
      LateAnswer pricing) {
    Function<EventLoop, CompletableFuture<String>> route(String path) {
      return switch (path) {
        case "/inventory" -> inventory::run;
        case "/reports" -> reports::run;
        case "/metrics" -> metrics::run;
        case "/payments" -> payments::run;
        case "/pricing" -> pricing::run;
        default -> null;
      };
    }
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
    SpanContext span = Span.current().getSpanContext();
    String traceId = span.isValid() ? span.getTraceId() : null;
    boolean keepAlive = HttpUtil.isKeepAlive(request);
    String path = request.uri().split("\\?", 2)[0];
    if (request.method().equals(HttpMethod.GET) && (path.equals("/") || path.isEmpty())) {
      respond(ctx, HttpResponseStatus.OK, INDEX, traceId, keepAlive);
      return;
    }
    Function<EventLoop, CompletableFuture<String>> scenario = scenarios.route(path);
    if (scenario == null || !request.method().equals(HttpMethod.POST)) {
      respond(ctx, HttpResponseStatus.NOT_FOUND, "{\"error\":\"POST one of " + INDEX.replace('"', '\'') + "\"}", traceId, keepAlive);
      return;
    }
    CompletableFuture<String> result;
    try {
      result = scenario.apply(ctx.channel().eventLoop());
    } catch (RuntimeException | LinkageError e) {
      result = CompletableFuture.failedFuture(e); // answered with a 500, never left hanging
    }
    result.whenComplete(
        (json, failure) ->
            ctx.executor().execute(() -> {
              if (failure != null) {
                respond(ctx, HttpResponseStatus.INTERNAL_SERVER_ERROR,
                    "{\"error\":\"" + String.valueOf(failure).replace('"', '\'') + "\"}", traceId, keepAlive);
              } else {
                respond(ctx, HttpResponseStatus.OK, json, traceId, keepAlive);
              }
            }));
  }

  private static void respond(ChannelHandlerContext ctx, HttpResponseStatus status, String json, String traceId, boolean keepAlive) {
    FullHttpResponse r =
        new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.copiedBuffer(json + "\n", StandardCharsets.UTF_8));
    r.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json");
    HttpUtil.setContentLength(r, r.content().readableBytes());
    if (traceId != null) {
      r.headers().set("X-Trace-Id", traceId);
    }
    HttpUtil.setKeepAlive(r, keepAlive);
    var f = ctx.writeAndFlush(r);
    if (!keepAlive) {
      f.addListener(ChannelFutureListener.CLOSE);
    }
  }
}
