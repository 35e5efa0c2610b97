package io.netdrop.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** Parses the agent argument string {@code key=value,key2=value2}. */
final class AgentArgs {
  private AgentArgs() {}

  /**
   * Returns the pairs in order; a null or blank string gives none.
   *
   * @throws ConfigException for an entry without {@code =}, an empty key, or a key given twice
   */
  static Map<String, String> parse(String agentArgs) {
    if (agentArgs == null || agentArgs.isBlank()) {
      return Map.of();
    }
    Map<String, String> pairs = new LinkedHashMap<>();
    for (String entry : agentArgs.split(",", -1)) {
      if (entry.isBlank()) {
        continue; // tolerate "a=1,,b=2" and a trailing comma
      }
      int eq = entry.indexOf('=');
      if (eq < 0) {
        throw new ConfigException("agent argument '" + entry.strip() + "' is not key=value (expected e.g. debug=true)");
      }
      String key = entry.substring(0, eq).strip();
      if (key.isEmpty()) {
        throw new ConfigException("agent argument '" + entry.strip() + "' has no setting name before '='");
      }
      if (pairs.put(key, entry.substring(eq + 1).strip()) != null) {
        throw new ConfigException("agent argument '" + key + "' is given more than once");
      }
    }
    return Collections.unmodifiableMap(pairs);
  }
}
