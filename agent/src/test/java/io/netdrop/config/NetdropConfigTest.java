package io.netdrop.config;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netdrop.bpf.BpfException;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class NetdropConfigTest {
  private static NetdropConfig load(String args, Map<String, String> props, Map<String, String> env) {
    return NetdropConfig.load(args, props, env);
  }

  private static String failure(String args) {
    return assertThrows(ConfigException.class, () -> load(args, Map.of(), Map.of())).getMessage();
  }

  @Test
  void usesEveryDefaultWhenNothingIsSet() {
    NetdropConfig c = load(null, Map.of(), Map.of());
    assertAll(
        () -> assertTrue(c.enabled()),
        () -> assertTrue(c.logDrops()),
        () -> assertEquals(1000, c.creatorsPerSecond()),
        () -> assertEquals(Duration.ofMillis(1000), c.scanInterval()),
        () -> assertEquals(2000, c.eventsPerSecond()),
        () -> assertEquals(200, c.eventBurst()),
        () -> assertEquals(262144, c.ringBufferBytes()),
        () -> assertEquals(4096, c.wakeupBytes()),
        () -> assertEquals(AttachMode.AUTO, c.attach()),
        () -> assertFalse(c.debug()));
    for (Setting s : NetdropConfig.SETTINGS) {
      assertEquals(NetdropConfig.Source.DEFAULT, c.source(s), s.name());
      assertEquals(s.defaultValue(), c.rawValue(s), s.name());
    }
  }

  @Test
  void agentArgumentsBeatSystemPropertiesWhichBeatEnvironment() {
    Map<String, String> env = Map.of("NETDROP_EVENT_BURST", "3", "NETDROP_WAKEUP_BYTES", "8192", "NETDROP_DEBUG", "true");
    Map<String, String> props = Map.of("netdrop.event-burst", "2", "netdrop.wakeup-bytes", "16384");
    NetdropConfig c = load("event-burst=1", props, env);
    assertAll(
        () -> assertEquals(1, c.eventBurst()),
        () -> assertEquals(NetdropConfig.Source.AGENT_ARGS, c.source(NetdropConfig.EVENT_BURST)),
        () -> assertEquals(16384, c.wakeupBytes()),
        () -> assertEquals(NetdropConfig.Source.SYSTEM_PROPERTY, c.source(NetdropConfig.WAKEUP_BYTES)),
        () -> assertTrue(c.debug()),
        () -> assertEquals(NetdropConfig.Source.ENVIRONMENT, c.source(NetdropConfig.DEBUG)));
  }

  @Test
  void creatorReadsPerSecondCanBeLimitedOrTurnedOff() {
    assertEquals(0, load("creators-per-second=0", Map.of(), Map.of()).creatorsPerSecond());
    assertEquals(50, load(null, Map.of(), Map.of("NETDROP_CREATORS_PER_SECOND", "50")).creatorsPerSecond());
    String message = failure("creators-per-second=-1");
    assertTrue(message.contains("netdrop.creators-per-second"), message);
  }

  @Test
  void blankValueFallsThroughToTheNextSource() {
    NetdropConfig c = load("debug= ", Map.of("netdrop.debug", ""), Map.of("NETDROP_DEBUG", "true"));
    assertTrue(c.debug());
    assertEquals(NetdropConfig.Source.ENVIRONMENT, c.source(NetdropConfig.DEBUG));
  }

  @Test
  void parsesSeveralAgentArgumentsWithSpacesAndEmptyEntries() {
    NetdropConfig c = load(" attach=TP_BTF , log-drops=False,,ring-buffer-bytes=4096,wakeup-bytes=4096,", Map.of(), Map.of());
    assertAll(
        () -> assertEquals(AttachMode.TP_BTF, c.attach()),
        () -> assertFalse(c.logDrops()),
        () -> assertEquals(4096, c.ringBufferBytes()));
  }

  @Test
  void derivesEnvironmentVariableAndSystemPropertyFromTheName() {
    Setting s = new Setting("scan-interval-ms", "1", "d");
    assertEquals("netdrop.scan-interval-ms", s.systemProperty());
    assertEquals("NETDROP_SCAN_INTERVAL_MS", s.environmentVariable());
    assertEquals("NETDROP_A_B_C", new Setting("a.b-c", "1", "d").environmentVariable());
  }

  @Test
  void everySettingHasAUniqueNameAndEnvironmentVariable() {
    Set<String> names = new HashSet<>();
    Set<String> envs = new HashSet<>();
    for (Setting s : NetdropConfig.SETTINGS) {
      assertTrue(names.add(s.name()), s.name());
      assertTrue(envs.add(s.environmentVariable()), s.environmentVariable());
    }
  }

  @Test
  void everyDefaultIsValid() {
    Map<String, String> props = new java.util.HashMap<>();
    NetdropConfig.SETTINGS.forEach(s -> props.put(s.systemProperty(), s.defaultValue()));
    NetdropConfig fromProps = load(null, props, Map.of());
    assertEquals(load(null, Map.of(), Map.of()).toString(), fromProps.toString());
  }

  @Test
  void rejectsNonKebabCaseSettingNames() {
    assertThrows(IllegalArgumentException.class, () -> new Setting("Scan_Interval", "1", "d"));
  }

  @Test
  void namesTheEnvironmentVariableAValueCameFrom() {
    ConfigException e =
        assertThrows(
            ConfigException.class, () -> load(null, Map.of(), Map.of("NETDROP_SCAN_INTERVAL_MS", "abc")));
    assertEquals(
        "netdrop.scan-interval-ms: 'abc' is not a whole number of milliseconds"
            + " (from environment variable NETDROP_SCAN_INTERVAL_MS)",
        e.getMessage());
  }

  @Test
  void namesTheSystemPropertyAValueCameFrom() {
    ConfigException e =
        assertThrows(ConfigException.class, () -> load(null, Map.of("netdrop.debug", "yes"), Map.of()));
    assertEquals("netdrop.debug: 'yes' is not true or false (from system property netdrop.debug)", e.getMessage());
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '"',
      value = {
        "enabled=maybe            | netdrop.enabled: 'maybe' is not true or false",
        "log-drops=1              | netdrop.log-drops: '1' is not true or false",
        "debug=on                 | netdrop.debug: 'on' is not true or false",
        "scan-interval-ms=1.5     | netdrop.scan-interval-ms: '1.5' is not a whole number of milliseconds",
        "scan-interval-ms=0       | netdrop.scan-interval-ms: '0' is out of range: expected 1 to 3600000 milliseconds",
        "scan-interval-ms=3600001 | netdrop.scan-interval-ms: '3600001' is out of range: expected 1 to 3600000 milliseconds",
        "events-per-second=-1     | netdrop.events-per-second: '-1' is out of range: expected 0 to 2147483647 events per second",
        "events-per-second=lots   | netdrop.events-per-second: 'lots' is not a whole number of events per second",
        "event-burst=0            | netdrop.event-burst: '0' is out of range: expected 1 to 2147483647 events",
        "event-burst=x            | netdrop.event-burst: 'x' is not a whole number of events",
        "ring-buffer-bytes=256k   | netdrop.ring-buffer-bytes: '256k' is not a whole number of bytes",
        "ring-buffer-bytes=100000 | netdrop.ring-buffer-bytes: '100000' is not a power of two (the kernel requires one, e.g. 262144)",
        "ring-buffer-bytes=2048   | netdrop.ring-buffer-bytes: '2048' is not a multiple of the page size 4096",
        "ring-buffer-bytes=2147483648 | netdrop.ring-buffer-bytes: '2147483648' is out of range: expected 1 to 1073741824 bytes",
        "wakeup-bytes=0           | netdrop.wakeup-bytes: '0' is out of range: expected 1 to 1073741824 bytes",
        "wakeup-bytes=262145      | netdrop.wakeup-bytes: '262145' is larger than netdrop.ring-buffer-bytes (262144)",
        "attach=kprobe            | netdrop.attach: 'kprobe' is not one of auto, tp_btf, tracepoint",
      })
  void rejectsBadValueNamingSettingValueAndExpectation(String args, String expected) {
    assertEquals(expected + " (from the agent arguments)", failure(args));
  }

  @Test
  void rejectsUnknownAgentArgumentListingTheKnownOnes() {
    assertEquals(
        "unknown setting 'scan-interval' in agent arguments (known: enabled, log-drops, scan-interval-ms,"
            + " events-per-second, event-burst, ring-buffer-bytes, wakeup-bytes, attach, btf-path, creators-per-second, traces, metrics, logs, jfr, fold-ms, child-span-window-ms, redact, debug)",
        failure("scan-interval=5"));
  }

  @Test
  void rejectsAgentArgumentWithoutEquals() {
    assertEquals("agent argument 'debug' is not key=value (expected e.g. debug=true)", failure("debug"));
  }

  @Test
  void rejectsAgentArgumentWithoutName() {
    assertEquals("agent argument '=true' has no setting name before '='", failure("=true"));
  }

  @Test
  void rejectsAgentArgumentGivenTwice() {
    assertEquals("agent argument 'debug' is given more than once", failure("debug=true,debug=false"));
  }

  @Test
  void configExceptionIsABpfException() {
    assertTrue(BpfException.class.isAssignableFrom(ConfigException.class));
  }
}
