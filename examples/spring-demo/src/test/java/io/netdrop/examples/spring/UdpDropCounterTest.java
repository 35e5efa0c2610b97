package io.netdrop.examples.spring;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class UdpDropCounterTest {

  private static final String HEADER =
      "   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout"
          + " inode ref pointer drops";

  private static String row(String local, long drops) {
    return "  716: " + local + " 00000000:0000 07 00000000:00000000 00:00000000 00000000     0"
        + "        0 5501 2 0000000000000000 " + drops;
  }

  @Test
  void readsDropsOfTheLoopbackSocketOnThePort() {
    List<String> table = List.of(HEADER, row("0100007F:0044", 0), row("0100007F:AFCC", 199));

    assertEquals(OptionalLong.of(199), UdpDropCounter.dropsOf(table, 0xAFCC));
  }

  @Test
  void acceptsBigEndianSpellingOfLoopback() {
    List<String> table = List.of(HEADER, row("7F000001:1F90", 7));

    assertEquals(OptionalLong.of(7), UdpDropCounter.dropsOf(table, 8080));
  }

  @Test
  void ignoresSocketsOnOtherAddresses() {
    List<String> table = List.of(HEADER, row("00000000:1F90", 5));

    assertEquals(OptionalLong.empty(), UdpDropCounter.dropsOf(table, 8080));
  }

  @Test
  void givesNothingForTruncatedOrMalformedRows() {
    List<String> table = List.of(HEADER, "  1: 0100007F:1F90 00000000:0000", row("0100007F:1F90", 0)
        .replaceAll("0$", "x"));

    assertEquals(OptionalLong.empty(), UdpDropCounter.dropsOf(table, 8080));
    assertEquals(OptionalLong.empty(), UdpDropCounter.dropsOf(List.of(), 8080));
  }
}
