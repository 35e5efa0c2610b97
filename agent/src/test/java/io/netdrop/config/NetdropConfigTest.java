package io.netdrop.config;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netdrop.bpf.BpfException;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class NetdropConfigTest {
  private static NetdropConfig load(String args, Map<String, String> props, Map<String, String> env) {
    return NetdropConfig.load(args, props, env);
  }

  /** Loads {@code args} alone and returns its one problem. */
  private static String problem(String args) {
    List<String> problems = load(args, Map.of(), Map.of()).problems();
    assertEquals(1, problems.size(), problems.toString());
    return problems.get(0);
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
        () -> assertEquals(CgroupHooks.AUTO, c.cgroupHooks()),
        () -> assertFalse(c.debug()),
        () -> assertEquals("warn", c.logLevel()),
        () -> assertEquals(List.of(), c.problems()));
    for (Setting s : NetdropConfig.SETTINGS) {
      assertEquals(NetdropConfig.Source.DEFAULT, c.source(s), s.name());
      assertEquals(s.defaultValue(), c.rawValue(s), s.name());
    }
  }

  @Test
  void readsWhereTheCgroupProgramsMayGoInAnyCase() {
    assertEquals(CgroupHooks.ON, load("cgroup-hooks=ON", Map.of(), Map.of()).cgroupHooks());
    assertEquals(CgroupHooks.OFF, load(null, Map.of("netdrop.cgroup-hooks", "off"), Map.of()).cgroupHooks());
    assertEquals(CgroupHooks.ON, load(null, Map.of(), Map.of("NETDROP_CGROUP_HOOKS", "on")).cgroupHooks());
  }

  @Test
  void takesAutoForAnUnknownCgroupHooksValue() {
    assertEquals(
        "netdrop.cgroup-hooks: 'yes' is not one of auto, on, off (from the agent arguments); using the default auto",
        problem("cgroup-hooks=yes"));
    assertEquals(CgroupHooks.AUTO, load("cgroup-hooks=yes", Map.of(), Map.of()).cgroupHooks());
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
    NetdropConfig negative = load("creators-per-second=-1", Map.of(), Map.of());
    assertEquals(1000, negative.creatorsPerSecond());
    assertTrue(negative.problems().get(0).startsWith("netdrop.creators-per-second: '-1'"), negative.problems().toString());
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
    assertEquals(List.of(), fromProps.problems());
    assertEquals(load(null, Map.of(), Map.of()).toString(), fromProps.toString());
  }

  @Test
  void listsProblemsInTheOrderOfTheSettings() {
    Map<String, String> props = new java.util.HashMap<>();
    NetdropConfig.SETTINGS.forEach(s -> props.put(s.systemProperty(), "Not Valid"));
    props.remove(NetdropConfig.BTF_PATH.systemProperty()); // any text is a path
    List<String> named =
        load(null, props, Map.of()).problems().stream()
            .map(p -> p.substring(0, p.indexOf(':')))
            .toList();
    assertEquals(
        NetdropConfig.SETTINGS.stream()
            .filter(s -> s != NetdropConfig.BTF_PATH)
            .map(Setting::systemProperty)
            .toList(),
        named);
  }

  @Test
  void rejectsNonKebabCaseSettingNames() {
    assertThrows(IllegalArgumentException.class, () -> new Setting("Scan_Interval", "1", "d"));
  }

  @Test
  void namesTheEnvironmentVariableAValueCameFromAndUsesTheDefault() {
    NetdropConfig c = load(null, Map.of(), Map.of("NETDROP_SCAN_INTERVAL_MS", "abc"));
    assertEquals(
        List.of(
            "netdrop.scan-interval-ms: 'abc' is not a whole number of milliseconds"
                + " (from environment variable NETDROP_SCAN_INTERVAL_MS); using the default 1000"),
        c.problems());
    assertEquals(Duration.ofMillis(1000), c.scanInterval());
  }

  @Test
  void namesTheSystemPropertyAValueCameFromAndUsesTheDefault() {
    NetdropConfig c = load(null, Map.of("netdrop.fold-ms", "abc", "netdrop.debug", "yes"), Map.of());
    assertEquals(
        List.of(
            "netdrop.fold-ms: 'abc' is not a whole number of milliseconds (from system property netdrop.fold-ms);"
                + " using the default 1000",
            "netdrop.debug: 'yes' is not true or false (from system property netdrop.debug); using the default false"),
        c.problems());
    assertFalse(c.debug());
    assertEquals(1000, c.foldMillis());
  }

  @Test
  void anInvalidValueIsReplacedByTheDefaultWhileTheOthersHold() {
    NetdropConfig c =
        load("fold-ms=-5,child-span-window-ms=250", Map.of("netdrop.traces", "no"), Map.of("NETDROP_LOGS", "false"));
    assertAll(
        () -> assertEquals(2, c.problems().size(), c.problems().toString()),
        () -> assertEquals(1000, c.foldMillis()),
        () -> assertEquals("1000", c.rawValue(NetdropConfig.FOLD_MS)),
        () -> assertEquals(NetdropConfig.Source.DEFAULT, c.source(NetdropConfig.FOLD_MS)),
        () -> assertTrue(c.traces()),
        () -> assertEquals(NetdropConfig.Source.DEFAULT, c.source(NetdropConfig.TRACES)),
        () -> assertEquals(250, c.childSpanWindowMillis()),
        () -> assertEquals(NetdropConfig.Source.AGENT_ARGS, c.source(NetdropConfig.CHILD_SPAN_WINDOW_MS)),
        () -> assertFalse(c.logs()),
        () -> assertTrue(c.toString().contains("fold-ms=1000,"), c.toString()));
  }

  @Test
  void logLevelIsOneOfSixInAnyCase() {
    assertEquals("debug", load("log-level=DEBUG", Map.of(), Map.of()).logLevel());
    assertEquals("off", load(null, Map.of(), Map.of("NETDROP_LOG_LEVEL", "off")).logLevel());
  }

  @Test
  void anInvalidEnabledLeavesNetdropOn() {
    NetdropConfig c = load("enabled=maybe", Map.of(), Map.of());
    assertTrue(c.enabled());
    assertEquals(
        List.of("netdrop.enabled: 'maybe' is not true or false (from the agent arguments); using the default true"),
        c.problems());
  }

  @Test
  void aWakeupLargerThanTheRingBufferTakesItsDefault() {
    NetdropConfig c = load("ring-buffer-bytes=8192,wakeup-bytes=16384", Map.of(), Map.of());
    assertEquals(8192, c.ringBufferBytes());
    assertEquals(4096, c.wakeupBytes());
    assertEquals(
        List.of(
            "netdrop.wakeup-bytes: '16384' is larger than netdrop.ring-buffer-bytes (8192) (from the agent arguments);"
                + " using the default 4096"),
        c.problems());
  }

  @Test
  void redactsTheValidKeysOfAListWithInvalidOnes() {
    NetdropConfig c =
        load(null, Map.of("netdrop.redact", "network.peer.address, Peer.Port ,netdrop.connection.creator,a b"), Map.of());
    assertEquals(Set.of("network.peer.address", "netdrop.connection.creator"), c.redact());
    assertEquals(
        List.of(
            "netdrop.redact: 'network.peer.address, Peer.Port ,netdrop.connection.creator,a b' holds 'Peer.Port', 'a b',"
                + " not attribute keys (lower case, digits, '_' and '.') (from system property netdrop.redact);"
                + " redacting only netdrop.connection.creator,network.peer.address"),
        c.problems());
    assertEquals(NetdropConfig.Source.SYSTEM_PROPERTY, c.source(NetdropConfig.REDACT));
    assertEquals("netdrop.connection.creator,network.peer.address", c.rawValue(NetdropConfig.REDACT));
  }

  @Test
  void redactsNothingWhenEveryKeyIsInvalid() {
    NetdropConfig c = load("redact=Network.Peer", Map.of(), Map.of());
    assertEquals(Set.of(), c.redact());
    assertTrue(c.problems().get(0).endsWith("; redacting nothing"), c.problems().toString());
    assertEquals(NetdropConfig.Source.DEFAULT, c.source(NetdropConfig.REDACT));
  }

  @Test
  void aListValueInTheAgentArgumentsKeepsItsCommas() {
    NetdropConfig c = load("redact=network.peer.address,netdrop.connection.creator,debug=true", Map.of(), Map.of());
    assertEquals(Set.of("network.peer.address", "netdrop.connection.creator"), c.redact());
    assertTrue(c.debug());
    assertEquals(List.of(), c.problems());
  }

  @Test
  void requireValidNamesTheFirstProblemWithoutTheFallback() {
    assertEquals(
        "netdrop.fold-ms: 'x' is not a whole number of milliseconds (from the agent arguments) (and 1 more problem)",
        assertThrows(ConfigException.class, () -> load("debug=on,fold-ms=x", Map.of(), Map.of()).requireValid())
            .getMessage());
    load("debug=true", Map.of(), Map.of()).requireValid();
  }

  @Test
  void problemsCannotBeChanged() {
    List<String> problems = load("debug=on", Map.of(), Map.of()).problems();
    assertThrows(UnsupportedOperationException.class, () -> problems.add("x"));
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
        "creators-per-second=1000001 | netdrop.creators-per-second: '1000001' is out of range: expected 0 to 1000000 sockets per second",
        "traces=yes               | netdrop.traces: 'yes' is not true or false",
        "metrics=0                | netdrop.metrics: '0' is not true or false",
        "logs=off                 | netdrop.logs: 'off' is not true or false",
        "jfr=enabled              | netdrop.jfr: 'enabled' is not true or false",
        "fold-ms=1s               | netdrop.fold-ms: '1s' is not a whole number of milliseconds",
        "fold-ms=-1               | netdrop.fold-ms: '-1' is out of range: expected 0 to 3600000 milliseconds",
        "log-level=loud           | netdrop.log-level: 'loud' is not one of off, error, warn, info, debug, trace",
        "child-span-window-ms=5.5 | netdrop.child-span-window-ms: '5.5' is not a whole number of milliseconds",
        "child-span-window-ms=3600001 | netdrop.child-span-window-ms: '3600001' is out of range: expected 0 to 3600000 milliseconds",
      })
  void replacesBadValueByTheDefaultNamingSettingValueAndExpectation(String args, String expected) {
    String name = args.substring(0, args.indexOf('='));
    Setting setting = NetdropConfig.SETTINGS.stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow();
    NetdropConfig c = load(args, Map.of(), Map.of());
    assertEquals(
        expected + " (from the agent arguments); using the default " + setting.defaultValue(), problem(args));
    assertEquals(load(null, Map.of(), Map.of()).toString(), c.toString(), "every setting has its default");
  }

  @Test
  void ignoresUnknownAgentArgumentListingTheKnownOnes() {
    NetdropConfig c = load("scan-interval=5,debug=true", Map.of(), Map.of());
    assertEquals(
        List.of(
            "unknown setting 'scan-interval' in agent arguments (known: "
                + String.join(", ", NetdropConfig.SETTINGS.stream().map(Setting::name).toList())
                + "); ignoring it"),
        c.problems());
    assertTrue(c.debug());
  }

  @Test
  void ignoresAgentArgumentWithoutEquals() {
    assertEquals("agent argument 'debug' is not key=value (expected e.g. debug=true); ignoring it", problem("debug"));
  }

  @Test
  void anEntryWithoutEqualsContinuesTheValueBeforeIt() {
    NetdropConfig c = load("debug=true,verbose", Map.of(), Map.of());
    assertFalse(c.debug());
    assertEquals(
        List.of(
            "netdrop.debug: 'true,verbose' is not true or false (from the agent arguments); using the default false"),
        c.problems());
  }

  @Test
  void ignoresAgentArgumentWithoutName() {
    assertEquals("agent argument '=true' has no setting name before '='; ignoring it", problem("=true"));
  }

  @Test
  void usesTheLastOfAnAgentArgumentGivenTwice() {
    NetdropConfig c = load("debug=true,debug=false", Map.of(), Map.of());
    assertFalse(c.debug());
    assertEquals(List.of("agent argument 'debug' is given more than once; using the last one"), c.problems());
  }

  @Test
  void configExceptionIsABpfException() {
    assertTrue(BpfException.class.isAssignableFrom(ConfigException.class));
  }
}
