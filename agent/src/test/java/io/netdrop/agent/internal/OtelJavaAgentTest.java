package io.netdrop.agent.internal;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** {@link OtelJavaAgent} in a JVM without the OTel agent; PremainWaitIT covers real premains. */
class OtelJavaAgentTest {
  @Test
  void isNotPresentWithoutTheOtelJavaAgent() {
    assertFalse(OtelJavaAgent.isPresent());
  }

  @Test
  void awaitPremainsDoneReturnsAtOnceWhenNoPremainRuns() {
    long start = System.nanoTime();
    assertTrue(OtelJavaAgent.awaitPremainsDone(Duration.ofSeconds(30)));
    assertTrue(Duration.ofNanos(System.nanoTime() - start).compareTo(Duration.ofSeconds(1)) < 0);
  }

  @Test
  void recognisesTheJdkFrameThatCallsPremain() {
    StackTraceElement premain = new StackTraceElement("com.acme.Agent", "premain", "Agent.java", 10);
    StackTraceElement caller =
        new StackTraceElement("sun.instrument.InstrumentationImpl", "loadClassAndCallPremain", null, -1);
    StackTraceElement agentmain =
        new StackTraceElement("sun.instrument.InstrumentationImpl", "loadClassAndCallAgentmain", null, -1);
    assertTrue(OtelJavaAgent.callsPremain(new StackTraceElement[] {premain, caller}));
    assertFalse(OtelJavaAgent.callsPremain(new StackTraceElement[] {premain}));
    assertFalse(OtelJavaAgent.callsPremain(new StackTraceElement[] {agentmain}));
    assertFalse(OtelJavaAgent.callsPremain(new StackTraceElement[0]));
  }
}
