package io.netdrop.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.tools.attach.VirtualMachine;
import io.netdrop.testing.ForkedJvm;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** {@code agentmain}: attaching the agent to a running JVM starts netdrop there. */
class DynamicAttachIT {
  private static final Duration TIMEOUT = Duration.ofSeconds(60);

  @Test
  void startsInARunningJvmOnDynamicAttach() throws Exception {
    try (ForkedJvm jvm = ForkedJvm.builder().withoutAgent().mainClass(WaitingApp.class.getName()).start()) {
      jvm.awaitLine("app: ready"::equals, TIMEOUT);
      VirtualMachine vm = VirtualMachine.attach(Long.toString(jvm.pid()));
      try {
        vm.loadAgent(ForkedJvm.defaultAgentJar().toString(), "debug=true");
      } finally {
        vm.detach();
      }
      jvm.awaitLine(l -> l.startsWith("netdrop: watching kfree_skb drops"), TIMEOUT);
      jvm.writeLine("bye");
      assertEquals(0, jvm.waitFor(TIMEOUT), jvm.describe());
      assertTrue(jvm.stdout().contains("app: got bye"), jvm.describe());
      List<String> debug =
          jvm.stderr().stream().filter(l -> l.startsWith("netdrop: debug: NetdropConfig")).collect(Collectors.toList());
      assertEquals(1, debug.size(), jvm.describe());
      assertTrue(debug.get(0).endsWith("(dynamic attach)"), jvm.describe());
    }
  }
}
