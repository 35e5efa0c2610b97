package io.netdrop.telemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.netdrop.sockets.ConnectionRecord;
import io.netdrop.sockets.ConnectionRecord.Role;
import io.netdrop.sockets.ConnectionRegistry;
import io.netdrop.sockets.CurrentSpan;
import io.netdrop.sockets.SpanUses;
import io.netdrop.sockets.TestRecords;
import org.junit.jupiter.api.Test;

class SpanUsesTest {
  private final ConnectionRecord r =
      TestRecords.add(ConnectionRegistry.create(4), 9, Role.CLIENT, null, null, "main", 1);

  @Test
  void noSpanNoUse() {
    assertNull(r.spans());
  }

  @Test
  void repeatedUseBySameSpanKeepsItsFirstUseAndAdvancesItsLast() {
    Object span = new Object();
    TestRecords.spanUse(r, span, 100);
    TestRecords.spanUse(r, span, 300);
    SpanUses.Use use = r.spans().at(150);
    assertSame(span, use.span());
    assertEquals(100, use.firstNanos());
    assertEquals(300, use.lastNanos());
  }

  @Test
  void settlingReplacesEachSpanByTheSourcesHandleAndKeepsTheTimes() {
    Object first = new Object();
    Object second = new Object();
    TestRecords.spanUse(r, first, 100);
    TestRecords.spanUse(r, second, 200);
    r.spans().settle(new CurrentSpan() {
      @Override
      public Object get() {
        return null;
      }

      @Override
      public Object settle(Object span) {
        return span == first ? "first, settled" : span;
      }
    });

    assertEquals("first, settled", r.spans().at(150).span());
    assertEquals(100, r.spans().at(150).firstNanos());
    assertSame(second, r.spans().at(250).span());
  }

  @Test
  void aSpanTheSourceCannotSettleIsKept() {
    Object span = new Object();
    TestRecords.spanUse(r, span, 100);
    r.spans().settle(new CurrentSpan() {
      @Override
      public Object get() {
        return null;
      }

      @Override
      public Object settle(Object s) {
        throw new ClassCastException("not a span of this API");
      }
    });
    assertSame(span, r.spans().at(150).span());
  }

  @Test
  void remembersTheLastFewSpansOnly() {
    Object[] spans = new Object[SpanUses.SLOTS + 1];
    for (int i = 0; i < spans.length; i++) {
      spans[i] = new Object();
      TestRecords.spanUse(r, spans[i], 100L * (i + 1));
    }
    assertNull(r.spans().at(150), "the oldest was overwritten");
    assertSame(spans[1], r.spans().at(250).span());
    assertSame(spans[SpanUses.SLOTS], r.spans().at(Long.MAX_VALUE).span());
  }
}
