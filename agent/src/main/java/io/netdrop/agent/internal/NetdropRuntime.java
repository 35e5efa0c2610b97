package io.netdrop.agent.internal;

import io.netdrop.bpf.BpfException;
import io.netdrop.bpf.RingBuffer;
import io.netdrop.config.NetdropConfig;
import io.netdrop.drops.DropFormatter;
import io.netdrop.kernel.Housekeeping;
import io.netdrop.telemetry.DropDescriber;
import io.netdrop.telemetry.DropFolder;
import io.netdrop.telemetry.DropLines;
import io.netdrop.telemetry.DropSink;
import io.netdrop.telemetry.ExporterConnections;
import io.netdrop.telemetry.otel.EmbeddedSdk;
import io.netdrop.telemetry.KernelDropCounts;
import io.netdrop.telemetry.jfr.JfrDrops;
import io.netdrop.telemetry.otel.OtelTelemetry;
import java.util.ArrayList;
import io.netdrop.drops.DropProgram;
import io.netdrop.drops.DropReader;
import io.netdrop.drops.DropTotals;
import io.netdrop.drops.MonotonicClock;
import io.netdrop.kernel.DropReasons;
import io.netdrop.kernel.OnDemandSymbols;
import io.netdrop.sockets.ProcSockets;
import io.netdrop.sockets.SocketMaps;
import io.netdrop.sockets.SocketScanner;
import io.netdrop.bootstrap.NetdropBridge;
import io.netdrop.drops.DropAttribution;
import io.netdrop.drops.OverflowFormatter;
import io.netdrop.instrumentation.SocketInstrumentation;
import io.netdrop.sockets.ConnectionRegistry;
import io.netdrop.sockets.RegistrySocketEvents;
import io.netdrop.sockets.internal.FileDescriptors;
import io.netdrop.sockets.internal.Getpeername;
import java.lang.instrument.Instrumentation;
import io.netdrop.drops.ListenOverflowCounts;
import io.netdrop.sockets.diag.ListenOverflowWatcher;
import io.netdrop.sockets.diag.Overflow;
import io.netdrop.sockets.diag.SockDiag;
import java.io.PrintStream;
import java.util.List;
import java.util.Comparator;
import java.util.HashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.time.Instant;
import java.util.concurrent.ConcurrentHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * netdrop running in this JVM: the kernel program, the socket scanner that feeds its maps, and
 * the reader thread that logs each drop. All the wiring of the agent lives here.
 */
final class NetdropRuntime implements AutoCloseable {
  /** How long a closed socket's tuple stays registered, for the peer's late packets. */
  static final long CLOSED_GRACE_MILLIS = RegistrySocketEvents.DEFAULT_GRACE_MILLIS;
  /** How often listeners' sk_drops are read (one sock_diag dump of this network namespace). */
  static final long OVERFLOW_POLL_MILLIS = 1_000;
  /** How often the counts of sockets gone for good leave the kernel map (see DropTotals#retire). */
  static final long RETIRE_MILLIS = CLOSED_GRACE_MILLIS;
  /** How often the kind of sockets with kernel counts is noted (see KernelDropCounts#classify). */
  static final long CLASSIFY_MILLIS = 1_000;
  /** Sockets named one by one in the totals line; the others are summed. */
  static final int TOTALS_SOCKETS = 20;

  private final DropProgram program;
  private final SocketScanner scanner;
  private final DropReader reader;
  private final DropTotals totals;
  private final DropReasons reasons;
  private final PrintStream log;
  private final ListenOverflowWatcher overflows;
  private final Map<Long, Long> overflowTotals;
  private final RegistrySocketEvents events;
  private final String registration;
  private final ScheduledExecutorService retirement;
  private final DropFolder folder;
  private final OtelTelemetry telemetry;

  private NetdropRuntime(
      DropProgram program,
      SocketScanner scanner,
      DropReader reader,
      DropTotals totals,
      DropReasons reasons,
      PrintStream log,
      ListenOverflowWatcher overflows,
      Map<Long, Long> overflowTotals,
      RegistrySocketEvents events,
      String registration,
      DropFolder folder,
      OtelTelemetry telemetry) {
    this.program = program;
    this.scanner = scanner;
    this.reader = reader;
    this.totals = totals;
    this.reasons = reasons;
    this.log = log;
    this.overflows = overflows;
    this.overflowTotals = overflowTotals;
    this.events = events;
    this.registration = registration;
    this.folder = folder;
    this.telemetry = telemetry;
    this.retirement =
        Executors.newSingleThreadScheduledExecutor(Housekeeping.factory("netdrop-totals"));
  }

  /**
   * Checks the host, loads and attaches the program and starts the threads.
   *
   * @throws BpfException naming the first thing missing or refused
   */
  static NetdropRuntime start(NetdropConfig config, Instrumentation inst, PrintStream log) {
    HostChecks checks = new HostChecks(config.btfPath());
    for (HostCheck c : checks.run(true)) {
      if (c.failed()) {
        throw new BpfException(c.name() + ": " + c.detail());
      }
    }
    DropReasons reasons = DropReasons.fromEnumerators(checks.reasonEnum(), "btf");
    DropProgram.Settings settings = DropProgram.Settings.of(config);
    DropProgram program = DropProgram.load(checks.btf(), settings, ProcSockets.pidNamespace());
    SocketScanner scanner = null;
    DropReader reader = null;
    ListenOverflowWatcher overflows = null;
    RegistrySocketEvents events = null;
    SocketInstrumentation instrumentation = null;
    String registration = null;
    DropFolder folder = null;
    OtelTelemetry telemetry = null;
    try {
      SocketMaps maps =
          new SocketMaps(
              program.map("sockets"),
              program.map("ports"),
              program.map("tuples"),
              program.map("port_hint"));
      long netns = ProcSockets.netnsInode();
      // Each socket the application opens from now on is in the kernel map before its first packet.
      ConnectionRegistry registry = ConnectionRegistry.create();
      FileDescriptors fds = FileDescriptors.open(inst);
      events =
          RegistrySocketEvents.builder(registry)
              .fileDescriptors(fds)
              .creatorsPerSecond(config.creatorsPerSecond())
              .build();
      events.attach(maps, netns);
      SocketHooks.Outcome hooks =
          SocketHooks.setUp(
              program, maps, netns, HookPlacement.of(config), Getpeername.open(inst, fds));
      if (hooks.slots() != null) {
        events.useCreationSlots(hooks.slots());
      }
      registration = hooks.description() + ", " + ReleaseSetup.setUp(program, maps);
      program.finishLoading(); // every program is loaded: the kernel's BTF is no longer needed
      NetdropBridge.install(events);
      try {
        instrumentation = SocketInstrumentation.install(inst);
        for (String problem : instrumentation.problems()) {
          log.println("netdrop: instrumentation: " + problem);
        }
      } catch (RuntimeException e) {
        // Drops are still seen and counted; only the /proc scan then finds the sockets.
        NetdropBridge.install(null);
        log.println(
            "netdrop: socket instrumentation unavailable (" + e.getMessage()
                + "); sockets are found by scanning /proc only");
      }
      events.start();
      boolean debug = config.debug();
      scanner =
          new SocketScanner(
              maps,
              netns,
              CLOSED_GRACE_MILLIS,
              line -> {
                if (debug) {
                  log.println("netdrop: debug: " + line);
                }
              });
      scanner.deferTo(registry::holds);
      scanner.start(config.scanInterval().toMillis());
      DropTotals totals = new DropTotals(program.map("counts"), program.map("stats"));
      // Refused SYNs of a full accept queue never reach kfree_skb: report each listener's sk_drops.
      Map<Long, Long> overflowTotals = new ConcurrentHashMap<>();
      KernelDropCounts counts =
          new KernelDropCounts(
              totals, reasons, registry, overflowTotals, registry::size, program::attachedPrograms,
              () -> mapEntries(program));
      telemetry =
          OtelTelemetry.start(config, serviceName(), Cli.version(), counts, log::println);
      events.useCurrentSpan(telemetry.currentSpan());
      telemetry.watchApplication(inst); // an application's own OpenTelemetry API, now or later
      List<DropSink> sinks = new ArrayList<>();
      if (config.logDrops()) {
        sinks.add(new DropLines(log));
      }
      // Not exported: drops on the exporters' own connections (a down endpoint would feed itself).
      sinks.add(new ExporterConnections(telemetry.drops(), EmbeddedSdk::standardSetting));
      if (config.jfr()) {
        sinks.add(new JfrDrops(config.redact()));
      }
      MonotonicClock clock = MonotonicClock.create();
      // Read when a drop first needs a name, not at start: most JVMs see few drops, and the table
      // would cost about 4 MB of heap for good.
      OnDemandSymbols symbols = OnDemandSymbols.kallsyms();
      DropDescriber describer =
          new DropDescriber(
              reasons, symbols, clock, registry,
              new DropFormatter(reasons, symbols, clock, new DropAttribution(registry)));
      folder =
          new DropFolder(describer, sinks, config.foldMillis(), problem -> log.println("netdrop: " + problem));
      reader =
          new DropReader(
              new RingBuffer(program.map("events")),
              folder,
              problem -> log.println("netdrop: " + problem));
      reader.start();
      DropFolder reports = folder;
      ListenOverflowCounts refusals =
          new ListenOverflowCounts(ListenOverflowCounts.fromKernelCounts(reasons, totals::count));
      overflows =
          new ListenOverflowWatcher(
              SockDiag.open(),
              maps::hasSocket,
              o -> {
                // sk_drops also counts some drops kfree_skb reported already: only the rest were refused SYNs.
                long refused = refusals.refused(o.inode(), o.newDrops());
                if (refused == 0) {
                  return;
                }
                Overflow overflow =
                    new Overflow(o.inode(), o.family(), o.localAddress(), o.localPort(), refused, o.totalDrops());
                overflowTotals.merge(o.inode(), refused, Long::sum);
                reports.report(describer.overflow(overflow, Instant.now(), System.nanoTime()));
              },
              OVERFLOW_POLL_MILLIS,
              false,
              problem -> log.println("netdrop: " + problem));
      overflows.start();
      NetdropRuntime runtime =
          new NetdropRuntime(
              program, scanner, reader, totals, reasons, log, overflows, overflowTotals, events,
              registration, folder, telemetry);
      SocketScanner tracked = scanner;
      runtime.retirement.scheduleWithFixedDelay(
          () -> {
            try {
              counts.retire(inode -> registry.holds(inode) || tracked.tracks(inode));
            } catch (RuntimeException e) {
              log.println("netdrop: cannot retire closed sockets' counts: " + e.getMessage());
            }
            try {
              // Tuples the kernel learned for connects the agent never saw complete (refused ones).
              maps.sweepTuples(inode -> registry.holds(inode) || tracked.tracks(inode));
            } catch (RuntimeException e) {
              log.println("netdrop: cannot sweep the tuples of closed sockets: " + e.getMessage());
            }
          },
          RETIRE_MILLIS,
          RETIRE_MILLIS,
          TimeUnit.MILLISECONDS);
      runtime.retirement.scheduleWithFixedDelay(
          symbols::releaseIfIdle,
          OnDemandSymbols.DEFAULT_IDLE_MILLIS,
          OnDemandSymbols.DEFAULT_IDLE_MILLIS / 3,
          TimeUnit.MILLISECONDS);
      // Each socket's kind is noted while the registry still holds it, for the metrics by kind.
      runtime.retirement.scheduleWithFixedDelay(
          () -> {
            try {
              counts.classify();
            } catch (RuntimeException e) {
              log.println("netdrop: cannot read the kernel counts: " + e.getMessage());
            }
          },
          CLASSIFY_MILLIS,
          CLASSIFY_MILLIS,
          TimeUnit.MILLISECONDS);
      return runtime;
    } catch (RuntimeException e) {
      NetdropBridge.install(null);
      if (instrumentation != null) {
        instrumentation.uninstall();
      }
      if (events != null) {
        events.close();
      }
      if (overflows != null) {
        overflows.close();
      }
      if (reader != null) {
        reader.close();
      }
      if (telemetry != null) {
        telemetry.close();
      }
      if (scanner != null) {
        scanner.close();
      }
      program.close();
      throw e;
    }
  }

  /** Prints the one line that says netdrop is ready. */
  void announce() {
    log.println(
        "netdrop: watching kfree_skb drops on this JVM's sockets ("
            + program.attachDescription() + ", " + reasons.size() + " drop reasons from "
            + reasons.source() + ", " + registration + ", " + scanner.trackedSockets()
            + " sockets, " + telemetry.description() + ")");
  }

  /** One line with the exact kernel counts per socket and reason, and the event-path counters. */
  String summary() {
    Map<Long, Map<String, Long>> bySocket = new HashMap<>();
    for (Map.Entry<DropTotals.Key, Long> e : totals.counts().entrySet()) {
      bySocket
          .computeIfAbsent(e.getKey().socketInode(), k -> new TreeMap<>())
          .merge(reasons.name(e.getKey().reason()), e.getValue(), Long::sum);
    }
    for (Map.Entry<Long, Long> e : overflowTotals.entrySet()) {
      bySocket
          .computeIfAbsent(e.getKey(), k -> new TreeMap<>())
          .merge(OverflowFormatter.REASON, e.getValue(), Long::sum);
    }
    // The sockets with the most drops by name, in inode order; the rest and the retired summed.
    List<Long> named =
        bySocket.entrySet().stream()
            .sorted(Comparator.comparingLong((Map.Entry<Long, Map<String, Long>> e) -> -sum(e.getValue()))
                .thenComparing(Map.Entry::getKey))
            .limit(TOTALS_SOCKETS)
            .map(Map.Entry::getKey)
            .sorted()
            .toList();
    Map<String, Long> others = new TreeMap<>();
    long otherSockets = totals.retiredSockets();
    for (Map.Entry<Integer, Long> e : totals.retired().entrySet()) {
      others.merge(reasons.name(e.getKey()), e.getValue(), Long::sum);
    }
    for (Map.Entry<Long, Map<String, Long>> e : bySocket.entrySet()) {
      if (!named.contains(e.getKey())) {
        otherSockets++;
        e.getValue().forEach((reason, n) -> others.merge(reason, n, Long::sum));
      }
    }
    StringBuilder line = new StringBuilder("netdrop: totals");
    if (bySocket.isEmpty() && others.isEmpty()) {
      line.append(" no drops;");
    }
    for (long inode : named) {
      line.append(" socket=").append(inode);
      bySocket.get(inode).forEach((reason, n) -> line.append(' ').append(reason).append('=').append(n));
      line.append(';');
    }
    if (!others.isEmpty()) {
      line.append(" other_sockets=").append(otherSockets);
      others.forEach((reason, n) -> line.append(' ').append(reason).append('=').append(n));
      line.append(';');
    }
    line.append(" matched=").append(totals.stat(DropTotals.MATCHED));
    line.append(" events=").append(totals.stat(DropTotals.EVENTS));
    line.append(" rate_limited=").append(totals.stat(DropTotals.RATE_LIMITED));
    line.append(" ringbuf_full=").append(totals.stat(DropTotals.RINGBUF_FULL));
    line.append(" counts_full=").append(totals.stat(DropTotals.COUNTS_FULL));
    line.append(" empty_purges=").append(totals.stat(DropTotals.EMPTY_PURGES));
    return line.toString();
  }

  /** The kernel program's hash maps, whose entries a leak would pile up (see DropCounts#mapEntries). */
  static final List<String> HASH_MAPS = List.of("sockets", "ports", "tuples", "counts");

  private static Map<String, Long> mapEntries(DropProgram program) {
    Map<String, Long> out = new TreeMap<>();
    try {
      for (String name : HASH_MAPS) {
        out.put(name, (long) program.map(name).count());
      }
    } catch (RuntimeException e) {
      // closing down: the maps are gone, and a metric callback must not throw
    }
    return out;
  }

  /** The service's name for the embedded SDK's resource: the main class or jar, as the JVM was started. */
  static String serviceName() {
    String command = System.getProperty("sun.java.command", "").strip();
    if (command.isEmpty()) {
      return null;
    }
    String main = command.split("\\s+")[0];
    if (main.endsWith(".jar")) {
      main = main.substring(main.lastIndexOf('/') + 1, main.length() - 4);
    } else {
      main = main.substring(main.lastIndexOf('.') + 1);
    }
    return main.isEmpty() ? null : main;
  }

  private static long sum(Map<String, Long> counts) {
    long n = 0;
    for (long v : counts.values()) {
      n += v;
    }
    return n;
  }

  /** Reads the last events, prints the totals, then detaches and frees everything. */
  @Override
  public void close() {
    NetdropBridge.install(null); // the application's last socket calls cost nothing from here on
    retirement.shutdownNow();
    events.close();
    overflows.pollNow(); // the last overflows before the totals
    overflows.close();
    scanner.close();
    reader.close();
    folder.close(); // the last bursts, before the totals and the last export
    try {
      log.println(summary());
    } catch (RuntimeException e) {
      log.println("netdrop: totals unavailable: " + e.getMessage());
    }
    telemetry.close();
    program.close();
  }

}
