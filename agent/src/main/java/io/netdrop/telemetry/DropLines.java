package io.netdrop.telemetry;

import java.io.PrintStream;
import java.util.Objects;

/** The readable line per reported drop, on the agent's console (stderr). */
public final class DropLines implements DropSink {
  private final PrintStream out;

  public DropLines(PrintStream out) {
    this.out = Objects.requireNonNull(out, "out");
  }

  @Override
  public void accept(Drop drop) {
    out.println(drop.line());
  }
}
