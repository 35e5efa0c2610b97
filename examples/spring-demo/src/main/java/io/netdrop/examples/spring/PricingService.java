package io.netdrop.examples.spring;

import jakarta.annotation.PreDestroy;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.springframework.stereotype.Component;

/**
 * A slow "pricing service" inside the app, on a loopback port: it reads a request and writes its
 * answer after {@code orders.pricing.reply-delay}, whether or not the caller is still there.
 */
@Component
public final class PricingService implements AutoCloseable {

  private final ServerSocket listener;
  private final ExecutorService workers = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "pricing-service");
    t.setDaemon(true);
    return t;
  });
  private final long delayMillis;

  public PricingService(OrdersProperties properties) throws IOException {
    this.delayMillis = properties.pricing().replyDelay().toMillis();
    this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    workers.execute(this::acceptLoop);
  }

  /** Where the service listens. */
  public InetSocketAddress address() {
    return (InetSocketAddress) listener.getLocalSocketAddress();
  }

  private void acceptLoop() {
    while (!listener.isClosed()) {
      try {
        Socket s = listener.accept();
        workers.execute(() -> answer(s));
      } catch (IOException e) {
        // closed
      }
    }
  }

  private void answer(Socket s) {
    try (s) {
      InputStream in = s.getInputStream();
      byte[] request = new byte[256];
      if (in.read(request) < 0) {
        return;
      }
      Thread.sleep(delayMillis);
      OutputStream out = s.getOutputStream();
      out.write("price=42.00\n".repeat(8).getBytes(StandardCharsets.US_ASCII));
      out.flush();
      Thread.sleep(50); // let the answer leave before the close
    } catch (IOException e) {
      // the caller reset the connection: expected once it has gone
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  @PreDestroy
  public void close() throws IOException {
    listener.close();
    workers.shutdownNow();
  }
}
