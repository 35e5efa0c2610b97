package io.netdrop.agent;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

/** An application that waits for one line on stdin, so a test can attach to it meanwhile. */
public final class WaitingApp {
  private WaitingApp() {}

  public static void main(String[] args) throws Exception {
    System.out.println("app: ready");
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    System.out.println("app: got " + in.readLine());
  }
}
