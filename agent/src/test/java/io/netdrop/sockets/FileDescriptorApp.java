package io.netdrop.sockets;

import io.netdrop.bootstrap.SocketEvents;
import io.netdrop.sockets.internal.FileDescriptors;
import io.netdrop.sockets.internal.SocketCalls;
import java.io.FileDescriptor;
import java.net.InetSocketAddress;
import java.nio.channels.DatagramChannel;

/**
 * Run by {@link FileDescriptorsIT} with {@code --add-opens java.base/java.io} (what the agent
 * does through Instrumentation) and {@code --add-exports java.base/sun.nio.ch} (only so this app
 * can reach a channel's FileDescriptor the way advice inside the JDK would).
 */
public final class FileDescriptorApp {
  private FileDescriptorApp() {}

  public static void main(String[] args) throws Exception {
    FileDescriptors fds = FileDescriptors.reflective();
    System.out.println("available=" + fds.available());
    System.out.println("stdout=" + fds.fd(FileDescriptor.out));
    ConnectionRegistry registry = ConnectionRegistry.create();
    RegistrySocketEvents events = RegistrySocketEvents.builder(registry).fileDescriptors(fds).build();
    try (DatagramChannel udp = DatagramChannel.open().bind(new InetSocketAddress("127.0.0.1", 0))) {
      FileDescriptor fd = (FileDescriptor) Class.forName("sun.nio.ch.SelChImpl")
          .getMethod("getFD").invoke(udp);
      events.opened(fd, SocketEvents.UDP, udp);
      events.bound(fd, udp);
      events.used(fd, udp);
      int port = ((InetSocketAddress) udp.getLocalAddress()).getPort();
      long inode = ProcFds.inode(ProcSockets.IPPROTO_UDP, port, 0);
      ConnectionRecord r = registry.find(inode);
      System.out.println("fdMatches=" + (fds.fd(fd) == ProcFds.fdOfInode(inode)));
      System.out.println("inodeMatches=" + (SocketCalls.inode(fds.fd(fd)) == inode));
      System.out.println("record=" + (r == null ? "none" : r.role().label() + " " + r.endpoints()
          + " used=" + r.lastUser()));
      System.out.println("expected=udp 127.0.0.1:" + port + " used=main");
    }
  }
}
