package io.netdrop.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Parses the agent argument string {@code key=value,key2=value2}. */
final class AgentArgs {
  private AgentArgs() {}

  /**
   * Returns the pairs in order; a null or blank string gives none. An entry without {@code =}
   * continues the value before it, so a list value such as {@code redact=a,b} survives the split on
   * commas. What cannot be used (a first entry without {@code =}, an empty key) is left out and
   * described in {@code problems}; of a key given twice the last value counts.
   */
  static Map<String, String> parse(String agentArgs, List<NetdropConfig.Problem> problems) {
    if (agentArgs == null || agentArgs.isBlank()) {
      return Map.of();
    }
    Map<String, String> pairs = new LinkedHashMap<>();
    String last = null;
    for (String entry : agentArgs.split(",", -1)) {
      if (entry.isBlank()) {
        continue; // tolerate "a=1,,b=2" and a trailing comma
      }
      int eq = entry.indexOf('=');
      if (eq < 0) {
        if (last != null) {
          pairs.put(last, pairs.get(last) + "," + entry.strip());
        } else {
          problems.add(
              new NetdropConfig.Problem(
                  "agent argument '" + entry.strip() + "' is not key=value (expected e.g. debug=true)", "ignoring it"));
        }
        continue;
      }
      String key = entry.substring(0, eq).strip();
      if (key.isEmpty()) {
        problems.add(
            new NetdropConfig.Problem(
                "agent argument '" + entry.strip() + "' has no setting name before '='", "ignoring it"));
        last = null;
        continue;
      }
      String value = entry.substring(eq + 1).strip();
      if (pairs.remove(key) != null) {
        problems.add(new NetdropConfig.Problem("agent argument '" + key + "' is given more than once", "using the last one"));
      }
      pairs.put(key, value);
      last = key;
    }
    return Collections.unmodifiableMap(pairs);
  }
}
