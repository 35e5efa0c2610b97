package io.netdrop.it;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;

/**
 * Run inside another network namespace: sends UDP datagrams and a TCP SYN to the given loopback
 * ports, where nothing listens in that namespace, so the kernel drops them as NO_SOCKET there.
 */
public final class NetnsNoiseApp {
  private NetnsNoiseApp() {}

  public static void main(String[] args) throws IOException {
    InetAddress lo = InetAddress.getLoopbackAddress();
    int udpPort = Integer.parseInt(args[0]);
    int tcpPort = Integer.parseInt(args[1]);
    try (DatagramChannel ch = DatagramChannel.open()) {
      for (int i = 0; i < 20; i++) {
        ch.send(ByteBuffer.allocate(100), new InetSocketAddress(lo, udpPort));
      }
    }
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(lo, tcpPort), 2000);
      System.out.println("noise: connected?!");
    } catch (IOException refused) {
      System.out.println("noise: refused");
    }
  }
}
