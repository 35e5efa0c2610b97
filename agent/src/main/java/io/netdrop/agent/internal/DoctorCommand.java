package io.netdrop.agent.internal;

import java.io.PrintStream;

/** {@code netdrop doctor}: checks whether this machine can run netdrop. A stub for now. */
public final class DoctorCommand {
  private DoctorCommand() {}

  /** Writes the report to {@code out} and returns the process exit code (0 = everything needed is present). */
  public static int run(PrintStream out) {
    out.println("doctor: not implemented yet");
    return 0;
  }
}
