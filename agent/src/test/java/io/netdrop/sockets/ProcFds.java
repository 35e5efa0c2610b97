package io.netdrop.sockets;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Finds the descriptor of a socket of this JVM without reflection: its inode from the /proc/net
 * tables (by protocol and ports), then the /proc/self/fd link {@code socket:[inode]}.
 */
public final class ProcFds {
  private ProcFds() {}

  /** The inode of our socket with these ports (remotePort 0: not connected). */
  public static long inode(int protocol, int localPort, int remotePort) {
    long found = -1;
    for (SocketEntry e : ProcSockets.inetSockets()) {
      if (e.protocol() == protocol && e.localPort() == localPort && e.remotePort() == remotePort
          && e.inode() != 0 && ProcSockets.openSocketInodes().contains(e.inode())) {
        if (found != -1 && found != e.inode()) {
          throw new AssertionError("two sockets match " + protocol + " " + localPort + "/" + remotePort);
        }
        found = e.inode();
      }
    }
    if (found == -1) {
      throw new AssertionError("no socket " + protocol + " " + localPort + "/" + remotePort);
    }
    return found;
  }

  /** The descriptor of our socket with these ports. */
  public static int fd(int protocol, int localPort, int remotePort) {
    return fdOfInode(inode(protocol, localPort, remotePort));
  }

  /** The descriptor whose /proc/self/fd link is {@code socket:[inode]}. */
  public static int fdOfInode(long inode) {
    String wanted = "socket:[" + inode + "]";
    try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
      for (Path p : fds) {
        try {
          if (Files.readSymbolicLink(p).toString().equals(wanted)) {
            return Integer.parseInt(p.getFileName().toString());
          }
        } catch (IOException closedMeanwhile) {
          // the directory stream's own fd, or one closed during the scan
        }
      }
    } catch (IOException e) {
      throw new AssertionError(e);
    }
    throw new AssertionError("no fd for " + wanted);
  }
}
