package io.netdrop.config;

import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One netdrop setting: its kebab-case name (the agent-argument key), its default value as text, and
 * a one-sentence description for the documentation.
 *
 * <p>The system property is {@code netdrop.<name>} and the environment variable is derived
 * mechanically from it ({@code NETDROP_} + upper case, {@code .} and {@code -} become {@code _}), so
 * neither is ever written by hand.
 */
public record Setting(String name, String defaultValue, String description) {
  private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9]*(?:[.-][a-z0-9]+)*");

  /** Validates that the name is kebab-case and that no part is missing. */
  public Setting {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(defaultValue, "defaultValue");
    Objects.requireNonNull(description, "description");
    if (!NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("setting name '" + name + "' is not kebab-case");
    }
  }

  /** Returns {@code netdrop.<name>}. */
  public String systemProperty() {
    return "netdrop." + name;
  }

  /** Returns the environment variable, e.g. {@code NETDROP_SCAN_INTERVAL_MS} for {@code scan-interval-ms}. */
  public String environmentVariable() {
    return systemProperty().toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
  }
}
