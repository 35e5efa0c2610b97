package io.netdrop.sockets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

class InetTextTest {

  private static byte[] v6(String text) throws Exception {
    return InetAddress.getByName(text).getAddress();
  }

  private static byte[] padded(byte[] v4) {
    byte[] a = new byte[16];
    System.arraycopy(v4, 0, a, 0, 4);
    return a;
  }

  @Test
  void formatsIpv4FromTheFirstFourBytes() throws Exception {
    assertEquals("127.0.0.1", InetText.address(2, padded(v6("127.0.0.1"))));
    assertEquals("255.1.0.200", InetText.address(2, padded(v6("255.1.0.200"))));
    assertEquals("127.0.0.1:9", InetText.endpoint(2, padded(v6("127.0.0.1")), 9));
  }

  @Test
  void formatsIpv6CompressedPerRfc5952() throws Exception {
    assertEquals("::1", InetText.address(10, v6("::1")));
    assertEquals("::", InetText.address(10, new byte[16]));
    assertEquals("2001:db8::1", InetText.address(10, v6("2001:db8:0:0:0:0:0:1")));
    assertEquals("2001:db8:0:1:1:1:1:1", InetText.address(10, v6("2001:db8:0:1:1:1:1:1")), "a single zero group stays");
    assertEquals("2001:0:0:1::1", InetText.address(10, v6("2001:0:0:1:0:0:0:1")), "the longest run is compressed");
    assertEquals("2001:db8::1:0:0:1", InetText.address(10, v6("2001:db8:0:0:1:0:0:1")), "the first of equal runs");
    assertEquals("fe80::", InetText.address(10, v6("fe80::")));
    assertEquals("[::1]:8080", InetText.endpoint(10, v6("::1"), 8080));
  }

  @Test
  void formatsV4MappedWithDottedTail() {
    byte[] mapped = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -1, -1, 127, 0, 0, 1};
    assertEquals("::ffff:127.0.0.1", InetText.address(10, mapped));
    assertEquals("[::ffff:127.0.0.1]:80", InetText.endpoint(10, mapped, 80));
  }

  @Test
  void unknownFamilyIsAQuestionMarkAndShortArraysAreRejected() {
    assertEquals("?", InetText.address(0, new byte[16]));
    assertThrows(IllegalArgumentException.class, () -> InetText.address(10, new byte[4]));
    assertThrows(IllegalArgumentException.class, () -> InetText.address(2, null));
  }
}
