package com.acme;

import io.netdrop.bootstrap.SocketEvents;
import java.net.SocketAddress;

/** Stands for application code that creates a socket: the creator the registry should name. */
public final class OrderClient {
  private OrderClient() {}

  public static void open(SocketEvents events, int fd, int kind) {
    events.opened(fd, kind, null);
  }

  public static void connect(SocketEvents events, int fd, SocketAddress remote) {
    events.connecting(fd, remote, null);
    events.bound(fd, null);
  }

  public static void bind(SocketEvents events, int fd) {
    events.bound(fd, null);
  }
}
