package io.netdrop.it;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;

/**
 * For OtelAgentIT: a traced request whose work hits a kernel drop. A JDK {@code HttpServer} on
 * 127.0.0.1 serves {@code /work}, whose handler calls a closed loopback port with {@code
 * java.net.http.HttpClient} (the kernel drops that SYN with NO_SOCKET) and then answers 200.
 *
 * <p>Arguments: milliseconds to wait before exiting, the closed port the handler calls, and a
 * second closed port. Both are chosen by the test in its own process: a port this JVM had bound
 * would stay registered with netdrop for a while, and the drop could be put down to that closed
 * listener rather than to the HttpClient's connection.
 *
 * <p>Prints {@code app: ready server=<port>} and waits for {@code go} on stdin (sent once netdrop
 * watches); then connects to the second closed port from main, outside any span, calls its own
 * server once, prints {@code app: response <status>}, waits for netdrop and the exporters, and
 * exits (the OTel agent flushes on exit).
 */
public final class OtelScenarioApp {
  private OtelScenarioApp() {}

  public static void main(String[] args) throws Exception {
    long flushMillis = Long.parseLong(args[0]);
    int closed = Integer.parseInt(args[1]);
    int untraced = Integer.parseInt(args[2]);
    InetAddress loopback = InetAddress.getByName("127.0.0.1");
    HttpClient client = HttpClient.newHttpClient();
    HttpServer server = HttpServer.create(new InetSocketAddress(loopback, 0), 0);
    server.createContext("/work", exchange -> work(exchange, client, closed));
    server.start();
    System.out.println("app: ready server=" + server.getAddress().getPort());

    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    if (!"go".equals(in.readLine())) {
      throw new IllegalStateException("expected go on stdin");
    }
    connectOutsideAnySpan(loopback, untraced);
    HttpResponse<String> response =
        client.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/work")).build(),
            HttpResponse.BodyHandlers.ofString());
    System.out.println("app: response " + response.statusCode());
    Thread.sleep(flushMillis);
    server.stop(0);
    System.out.println("app: bye");
  }

  private static void work(HttpExchange exchange, HttpClient client, int closed) throws IOException {
    try {
      client.send(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + closed + "/")).build(),
          HttpResponse.BodyHandlers.ofString());
      System.out.println("app: the closed port answered");
    } catch (ConnectException expected) {
      System.out.println("app: closed port refused");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    byte[] body = "done".getBytes(StandardCharsets.UTF_8);
    exchange.sendResponseHeaders(200, body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }

  private static void connectOutsideAnySpan(InetAddress loopback, int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(loopback, port), 2_000);
      System.out.println("app: the untraced closed port answered");
    } catch (IOException expected) {
      System.out.println("app: untraced connect refused");
    }
  }
}
