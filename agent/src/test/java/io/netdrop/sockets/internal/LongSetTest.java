package io.netdrop.sockets.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class LongSetTest {
  @Test
  void behavesAsAHashSetUnderRandomAddsAndRemoves() {
    Random random = new Random(11);
    LongSet set = new LongSet();
    Set<Long> reference = new HashSet<>();
    for (int i = 0; i < 200_000; i++) {
      // A small range, so that removes hit and probe runs collide and wrap.
      long v = random.nextInt(3_000) * 1_000_003L;
      if (random.nextInt(3) == 0) {
        assertEquals(reference.remove(v), set.remove(v), "remove " + v);
      } else {
        assertEquals(reference.add(v), set.add(v), "add " + v);
      }
      assertEquals(reference.size(), set.size());
    }
    Set<Long> iterated = new HashSet<>();
    for (int i = 0; i < set.slots(); i++) {
      if (set.occupied(i)) {
        iterated.add(set.at(i));
      }
    }
    assertEquals(reference, iterated);
    for (long v : reference) {
      assertTrue(set.contains(v));
    }
  }

  @Test
  void clearKeepsTheStorageSoRefillingAllocatesNothing() {
    LongSet set = new LongSet();
    for (long v = 0; v < 5_000; v++) {
      set.add(v * 7919);
    }
    int slots = set.slots();
    set.clear();
    assertTrue(set.isEmpty());
    assertFalse(set.contains(7919));
    for (long v = 0; v < 5_000; v++) {
      set.add(v * 7919);
    }
    assertEquals(slots, set.slots());
    assertEquals(5_000, set.size());
  }
}
