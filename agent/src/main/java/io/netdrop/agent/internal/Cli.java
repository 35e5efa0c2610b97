package io.netdrop.agent.internal;

import java.io.PrintStream;
import java.util.Arrays;

/** The command line of the agent jar: {@code java -jar netdrop-agent.jar <command>}. */
public final class Cli {
  static final String USAGE =
      String.join(
          System.lineSeparator(),
          "usage: java -jar netdrop-agent.jar <command>",
          "commands:",
          "  help      show this text",
          "  version   print the netdrop version",
          "  doctor    check whether this machine can run netdrop",
          "  attach    load netdrop into a running JVM: attach <pid> [key=value,...]",
          "as an agent: java -javaagent:netdrop-agent.jar[=key=value,...] ...",
          "settings: see docs/configuration.md");

  private Cli() {}

  /** Runs the command in {@code args[0]} with stdout/stderr; returns the exit code (2 for an unknown command). */
  public static int run(String[] args) {
    return run(args, System.out, System.err);
  }

  static int run(String[] args, PrintStream out, PrintStream err) {
    String command = args == null || args.length == 0 ? "help" : args[0];
    switch (command) {
      case "help":
      case "-h":
      case "--help":
        out.println(USAGE);
        return 0;
      case "version":
      case "--version":
        out.println("netdrop " + version());
        return 0;
      case "doctor":
        return DoctorCommand.run(out);
      case "attach":
        return AttachCommand.run(Arrays.asList(args).subList(1, args.length), out, err);
      default:
        err.println("netdrop: unknown command '" + command + "'");
        err.println(USAGE);
        return 2;
    }
  }

  /** Returns the version from the agent jar's manifest, or {@code unknown} outside the jar. */
  static String version() {
    String v = Cli.class.getPackage().getImplementationVersion();
    return v == null ? "unknown (not running from the agent jar)" : v;
  }
}
