package io.netdrop.bpf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netdrop.bpf.btf.Btf;
import java.io.IOException;
import java.io.InputStream;
import java.lang.ref.WeakReference;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The object loader against this machine's kernel (root: it creates maps and loads programs). */
class BpfObjectIT {
  private static byte[] realObject() throws IOException {
    try (InputStream in = BpfObjectIT.class.getResourceAsStream("/bpf/netdrop.bpf.o")) {
      return in.readAllBytes();
    }
  }

  @Test
  void loadsTheDropProgramWithItsKernelFunctionCallLinked() throws IOException {
    try (BpfObject object = BpfObject.open(realObject(), Btf.loadVmlinux(), Map.of())) {
      BpfProgram program = object.loadProgram("nd_kfree_skb");
      assertTrue(program.fd() > 0);
      assertEquals(262144, object.map("events").maxEntries());
    }
  }

  @Test
  void loadsASleepableSyscallProgramWithItsLoopCallbackAndRunsIt() throws IOException {
    try (BpfObject object = BpfObject.open(realObject(), Btf.loadVmlinux(), Map.of())) {
      BpfProgram release = object.loadProgram("nd_release");
      // struct nd_release_args {count = 0}: nothing to release, and the run itself works.
      byte[] args = new byte[8];
      assertEquals(0, release.run(args));
      assertThrows(BpfException.class, () -> release.run(new byte[0]));
    }
  }

  @Test
  void namesAKernelFunctionTheKernelDoesNotHave() throws IOException {
    // Rename the extern (in the symbol names and in BTF): the kernel has no such function.
    byte[] elf = realObject();
    byte[] name = "bpf_rdonly_cast\0".getBytes(StandardCharsets.US_ASCII);
    int renamed = 0;
    for (int at = indexOf(elf, name, 0); at >= 0; at = indexOf(elf, name, at + 1)) {
      elf[at + name.length - 2] = 'z';
      renamed++;
    }
    assertTrue(renamed > 0, "extern name in the object");
    try (BpfObject object = BpfObject.open(elf, Btf.loadVmlinux(), Map.of())) {
      BpfException e = assertThrows(BpfException.class, () -> object.loadProgram("nd_kfree_skb"));
      assertEquals(
          "program nd_kfree_skb calls kernel function bpf_rdonly_casz, which this kernel does not have",
          e.getMessage());
    }
  }

  @Test
  void appliesMapSizeOverridesAndRejectsUnknownMaps() throws IOException {
    try (BpfObject object = BpfObject.open(realObject(), Btf.loadVmlinux(), Map.of("events", 65536))) {
      assertEquals(65536, object.map("events").maxEntries());
    }
    BpfException e =
        assertThrows(
            BpfException.class,
            () -> BpfObject.open(realObject(), Btf.loadVmlinux(), Map.of("nope", 1)));
    assertEquals("no map named 'nope' in the BPF object", e.getMessage());
  }

  @Test
  void letsGoOfTheKernelBtfOnceLoadingIsFinishedAndKeepsItsMapsAndPrograms() throws Exception {
    Btf kernelBtf = Btf.loadVmlinux();
    WeakReference<Btf> held = new WeakReference<>(kernelBtf);
    try (BpfObject object = BpfObject.open(realObject(), kernelBtf, Map.of())) {
      kernelBtf = null;
      BpfProgram program = object.loadProgram("nd_kfree_skb");
      object.finishLoading();

      assertFalse(object.canLoad());
      assertTrue(program.fd() > 0);
      assertEquals(262144, object.map("events").maxEntries());
      BpfException e = assertThrows(BpfException.class, () -> object.loadProgram("nd_sock_create"));
      assertEquals("BPF object: loading is finished; no further program can be loaded", e.getMessage());
      for (int i = 0; i < 50 && held.get() != null; i++) {
        System.gc();
        Thread.sleep(20);
      }
      assertNull(held.get(), "the kernel's BTF is still reachable after finishLoading");
    }
  }

  private static int indexOf(byte[] haystack, byte[] needle, int from) {
    outer:
    for (int i = from; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
