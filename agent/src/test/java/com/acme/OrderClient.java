package com.acme;

import io.netdrop.bootstrap.SocketEvents;

/** Stands for application code that creates a socket: the creator the registry should name. */
public final class OrderClient {
  private OrderClient() {}

  public static void open(SocketEvents events, int fd, int kind) {
    events.opened(fd, kind, null);
  }
}
