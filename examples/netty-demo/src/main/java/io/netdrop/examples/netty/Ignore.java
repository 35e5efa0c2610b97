package io.netdrop.examples.netty;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInboundHandlerAdapter;

/** A handler for channels whose inbound data the demo does not care about; one instance serves all. */
@ChannelHandler.Sharable
final class Ignore extends ChannelInboundHandlerAdapter {

  static final Ignore INSTANCE = new Ignore();

  private Ignore() {}
}
