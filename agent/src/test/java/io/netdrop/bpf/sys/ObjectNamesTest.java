package io.netdrop.bpf.sys;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class ObjectNamesTest {
  @Test
  void truncatesToFifteenCharacters() {
    assertEquals("netdrop_events_", ObjectNames.kernelName("netdrop_events_ring"));
  }

  @Test
  void replacesCharactersTheKernelRejects() {
    assertEquals("tp_btf_kfree.sk", ObjectNames.kernelName("tp_btf/kfree.sk"));
    assertEquals("a_b", ObjectNames.kernelName("a-b"));
  }
}
