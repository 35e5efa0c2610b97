package io.netdrop.telemetry.jfr;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netdrop.telemetry.Drop;
import io.netdrop.telemetry.TelemetryNames;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import jdk.jfr.EventType;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JfrDropsTest {
  private static final Instant T0 = Instant.parse("2026-11-25T16:33:26.376410123Z");
  private static final long NANOS0 = 5_000_000_000L;

  @TempDir Path dir;

  private static Drop drop(long inode) {
    return new Drop(
        "SOCKET_RCVBUFF", "udp_queue_rcv_one_skb+0x437", 1, NANOS0, NANOS0, T0, "udp", "ipv4",
        "127.0.0.1", 40993, "127.0.0.2", 45589, "receive", "udp", "com.acme.MetricsReceiver",
        inode, 16, null, 0, "a line");
  }

  /** The burst that follows {@link #drop}: 544 more drops over 0.5 s, starting 1 ms later. */
  private static Drop burst(long inode) {
    return drop(inode).burst(544, NANOS0 + 1_000_000, NANOS0 + 501_000_123, "a burst line");
  }

  private List<RecordedEvent> record(Recording r, Runnable whileRecording) throws Exception {
    r.start();
    whileRecording.run();
    r.stop();
    return read(r);
  }

  private List<RecordedEvent> read(Recording r) throws Exception {
    Path file = Files.createTempFile(dir, "drops", ".jfr");
    r.dump(file);
    r.close();
    return RecordingFile.readAllEvents(file).stream()
        .filter(e -> e.getEventType().getName().equals(DropEvent.NAME))
        .collect(Collectors.toList());
  }

  private static Recording dropsOnly() {
    Recording r = new Recording();
    r.enable(DropEvent.NAME);
    return r;
  }

  @Test
  void writesEachDropAndBurstAsOneEventWithEveryField() throws Exception {
    JfrDrops sink = new JfrDrops();
    List<RecordedEvent> events =
        record(
            dropsOnly(),
            () -> {
              sink.accept(drop(242257));
              sink.accept(burst(242257));
            });

    assertEquals(2, events.size(), events.toString());
    RecordedEvent one = events.get(0);
    assertEquals("SOCKET_RCVBUFF", one.getString("reason"));
    assertEquals("udp_queue_rcv_one_skb+0x437", one.getString("location"));
    assertEquals(1, one.getLong("count"));
    assertEquals(T0.toEpochMilli(), one.getInstant("firstDrop").toEpochMilli());
    assertEquals(T0.toEpochMilli(), one.getInstant("lastDrop").toEpochMilli());
    assertEquals(Duration.ZERO, one.getDuration("interval"));
    assertEquals("udp", one.getString("transport"));
    assertEquals("ipv4", one.getString("networkType"));
    assertEquals("127.0.0.1", one.getString("localAddress"));
    assertEquals(40993, one.getInt("localPort"));
    assertEquals("127.0.0.2", one.getString("peerAddress"));
    assertEquals(45589, one.getInt("peerPort"));
    assertEquals("receive", one.getString("direction"));
    assertEquals("udp", one.getString("role"));
    assertEquals("com.acme.MetricsReceiver", one.getString("creator"));
    assertEquals(242257, one.getLong("socketInode"));
    assertEquals(16, one.getInt("length"));
    assertNull(one.getStackTrace(), "drops are written without the reader thread's stack");
    assertEquals(Thread.currentThread().getName(), one.getThread().getJavaName());

    RecordedEvent burst = events.get(1);
    assertEquals(544, burst.getLong("count"));
    assertEquals(T0.plusMillis(1).toEpochMilli(), burst.getInstant("firstDrop").toEpochMilli());
    assertEquals(T0.plusNanos(501_000_123).toEpochMilli(), burst.getInstant("lastDrop").toEpochMilli());
    assertEquals(Duration.ofNanos(500_000_123), burst.getDuration("interval"));
  }

  @Test
  void describesTheEventTypeForMissionControl() throws Exception {
    new JfrDrops().accept(drop(1)); // registers the type if no recording ran before
    EventType type = EventType.getEventType(DropEvent.class);
    assertEquals("io.netdrop.Drop", type.getName());
    assertEquals("Packet Drop", type.getLabel());
    assertEquals(List.of("Operating System", "Network"), type.getCategoryNames());
    assertTrue(type.getDescription().contains("dropped"), type.getDescription());
    assertEquals("Reason", type.getField("reason").getLabel());
    assertEquals("jdk.jfr.Timestamp", type.getField("firstDrop").getContentType());
    assertEquals("jdk.jfr.Timestamp", type.getField("lastDrop").getContentType());
    assertEquals("jdk.jfr.Timespan", type.getField("interval").getContentType());
    assertEquals("jdk.jfr.DataAmount", type.getField("length").getContentType());
  }

  @Test
  void writesOnlyTheDropsReportedWhileARecordingRuns() throws Exception {
    JfrDrops sink = new JfrDrops();
    sink.accept(drop(1)); // no recording yet: nothing to write to
    List<RecordedEvent> events = record(dropsOnly(), () -> sink.accept(drop(2)));
    sink.accept(drop(3)); // stopped

    assertEquals(List.of(2L), events.stream().map(e -> e.getLong("socketInode")).collect(Collectors.toList()));
  }

  @Test
  void writesNothingWhenTheRecordingDisablesTheEvent() throws Exception {
    JfrDrops sink = new JfrDrops();
    Recording r = new Recording();
    r.enable("jdk.ThreadStart"); // a recording that runs, but not for drops
    r.disable(DropEvent.NAME);
    assertEquals(List.of(), record(r, () -> sink.accept(drop(4))));
  }

  @Test
  void leavesRedactedFieldsEmpty() throws Exception {
    JfrDrops sink =
        new JfrDrops(Set.of(TelemetryNames.PEER_ADDRESS, TelemetryNames.PEER_PORT, TelemetryNames.CREATOR));
    RecordedEvent e = record(dropsOnly(), () -> sink.accept(drop(5))).get(0);
    assertNull(e.getString("peerAddress"));
    assertEquals(0, e.getInt("peerPort"));
    assertNull(e.getString("creator"));
    assertEquals("127.0.0.1", e.getString("localAddress"));
    assertEquals(5, e.getLong("socketInode"));
  }

  @Test
  void aRecordingStoppedAtExitWaitsForTheBurstsNetdropReportsAsItCloses() throws Exception {
    JfrDrops sink = new JfrDrops(Set.of(), 10_000, () -> true);
    Recording r = dropsOnly();
    r.start();
    sink.accept(drop(6));
    // netdrop's shutdown hook, beside JFR's: the last burst comes after JFR has begun to stop.
    CompletableFuture<Void> netdropClose =
        CompletableFuture.runAsync(
            () -> {
              sleep(300);
              sink.accept(burst(6));
              sink.close();
            });
    r.stop();
    netdropClose.join();

    // Ordered by time: two threads' events are not in commit order in the file.
    List<Long> counts =
        read(r).stream()
            .sorted(java.util.Comparator.comparing(RecordedEvent::getStartTime))
            .map(e -> e.getLong("count"))
            .collect(Collectors.toList());
    assertEquals(List.of(1L, 544L), counts);
  }

  @Test
  void aRecordingStoppedBeforeExitDoesNotWait() throws Exception {
    JfrDrops sink = new JfrDrops(Set.of(), 10_000, () -> false);
    Recording r = dropsOnly();
    r.start();
    sink.accept(drop(7));
    long start = System.nanoTime();
    r.stop();
    assertTrue(System.nanoTime() - start < 5_000_000_000L, "stop waited for netdrop");
    assertEquals(1, read(r).size());
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
