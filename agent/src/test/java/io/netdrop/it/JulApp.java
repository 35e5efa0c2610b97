package io.netdrop.it;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * An application that takes every java.util.logging record of the JVM, at every level, and at the
 * end names the loggers that wrote them: what reached the application's logging.
 */
public final class JulApp {
  private JulApp() {}

  public static void main(String[] args) throws Exception {
    List<String> loggers = new CopyOnWriteArrayList<>();
    Logger root = Logger.getLogger("");
    root.setLevel(Level.ALL);
    for (Handler h : root.getHandlers()) {
      root.removeHandler(h); // nothing on stderr from the application's logging
    }
    root.addHandler(
        new Handler() {
          @Override
          public void publish(LogRecord r) {
            loggers.add(r.getLoggerName());
          }

          @Override
          public void flush() {}

          @Override
          public void close() {}
        });
    Logger.getLogger("app").info("the application's own record");
    System.out.println("app: ready");
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    in.readLine();
    System.out.println("app: jul records from " + loggers);
  }
}
