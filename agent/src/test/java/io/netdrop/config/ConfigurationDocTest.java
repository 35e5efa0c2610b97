package io.netdrop.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** docs/configuration.md lists exactly the settings of {@link NetdropConfig#SETTINGS}, in order. */
class ConfigurationDocTest {
  private static final Path DOC =
      Paths.get(System.getProperty("basedir", System.getProperty("user.dir")))
          .resolve("../docs/configuration.md")
          .normalize();

  @Test
  void settingsTableMatchesTheCode() throws IOException {
    assertTrue(Files.isRegularFile(DOC), "missing " + DOC);
    List<String> documented =
        Files.readAllLines(DOC).stream()
            .filter(l -> l.startsWith("| `netdrop."))
            .map(String::strip)
            .collect(Collectors.toList());
    List<String> expected =
        NetdropConfig.SETTINGS.stream().map(ConfigurationDocTest::row).collect(Collectors.toList());
    assertEquals(String.join("\n", expected), String.join("\n", documented),
        "the settings table in " + DOC + " must list every setting exactly; expected rows shown");
  }

  private static String row(Setting s) {
    String defaultValue = s.defaultValue().isEmpty() ? "(none)" : "`" + s.defaultValue() + "`";
    return "| `" + s.systemProperty() + "` | `" + s.environmentVariable() + "` | " + defaultValue
        + " | " + s.description() + " |";
  }
}
