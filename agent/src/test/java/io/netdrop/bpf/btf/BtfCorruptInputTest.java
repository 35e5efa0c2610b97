package io.netdrop.bpf.btf;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.netdrop.bpf.BpfException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class BtfCorruptInputTest {
  private static final int MUTATIONS = 3000;

  private static TestElf elf;
  private static byte[] objectBtf;
  private static byte[] objectExt;
  private static Btf vmlinux;

  @BeforeAll
  static void load() {
    elf = TestElf.netdropObject();
    objectBtf = elf.section(".BTF");
    objectExt = elf.section(".BTF.ext");
    vmlinux = Btf.loadVmlinux();
  }

  private static void assertRejected(byte[] data, String expectedPart) {
    BtfFormatException e = assertThrows(BtfFormatException.class, () -> Btf.parse(ByteBuffer.wrap(data)));
    assertTrue(e.getMessage().contains(expectedPart), "message '" + e.getMessage() + "' lacks '" + expectedPart + "'");
  }

  private static void assertExtRejected(byte[] data, String expectedPart) {
    Btf btf = Btf.parse(ByteBuffer.wrap(objectBtf));
    BtfFormatException e = assertThrows(BtfFormatException.class, () -> BtfExt.parse(ByteBuffer.wrap(data), btf));
    assertTrue(e.getMessage().contains(expectedPart), "message '" + e.getMessage() + "' lacks '" + expectedPart + "'");
  }

  private static byte[] withInt(byte[] data, int pos, int value) {
    byte[] copy = data.clone();
    ByteBuffer.wrap(copy).order(ByteOrder.LITTLE_ENDIAN).putInt(pos, value);
    return copy;
  }

  private static BtfBuilder small() {
    BtfBuilder b = new BtfBuilder();
    int u32 = b.integer("unsigned int", 4, false);
    b.struct("s", 4, "a", u32, 0);
    return b;
  }

  @Test
  void rejectsTruncatedHeader() {
    assertRejected(Arrays.copyOf(objectBtf, 10), "truncated");
  }

  @Test
  void rejectsBadMagicAndVersion() {
    byte[] data = objectBtf.clone();
    data[0] = 0x12;
    assertRejected(data, "magic");
    data = objectBtf.clone();
    data[2] = 7;
    assertRejected(data, "version 7");
  }

  @Test
  void rejectsSectionsPastTheEnd() {
    assertRejected(withInt(objectBtf, 12, 0x7fff0000), "type section");
    assertRejected(withInt(objectBtf, 20, 0x7fff0000), "string section");
    assertRejected(withInt(objectBtf, 4, 0x7fff0000), "header length");
    assertRejected(Arrays.copyOf(objectBtf, objectBtf.length - 5), "past end of data");
  }

  @Test
  void rejectsStringOffsetPastStringSection() {
    byte[] data = small().build();
    assertRejected(withInt(data, 24, 0x100000), "name offset 1048576 is past the string section");
    assertRejected(withInt(data, 24 + 16 + 12, 0x100000), "member 0 name offset");
  }

  @Test
  void rejectsUnknownKind() {
    byte[] data = small().build();
    assertRejected(withInt(data, 24 + 4, 25 << 24), "unknown kind 25");
  }

  @Test
  void rejectsTypeIdsOutOfRange() {
    BtfBuilder b = small();
    b.ptr(99);
    assertRejected(b.build(), "type [3] PTR referenced type id 99 is out of range");
    byte[] data = small().build();
    assertRejected(withInt(data, 24 + 16 + 16, 42), "member 0 type id 42");
  }

  @Test
  void rejectsVlenPastTheEndOfTheTypeSection() {
    byte[] data = small().build();
    assertRejected(withInt(data, 24 + 16 + 4, (4 << 24) | 50), "runs past the end");
  }

  @Test
  void rejectsUnterminatedStringSection() {
    byte[] data = small().build();
    data[data.length - 1] = 'x';
    assertRejected(data, "NUL");
  }

  @Test
  void reportsCyclicTypedefsWhenResolving() {
    BtfBuilder b = new BtfBuilder();
    b.ref(BtfKind.TYPEDEF, "a", 2);
    b.ref(BtfKind.TYPEDEF, "b", 1);
    Btf btf = b.parse();
    assertThrows(BtfFormatException.class, () -> btf.sizeOf(1));
    assertThrows(BtfFormatException.class, () -> btf.skipModifiers(2));
  }

  @Test
  void rejectsCorruptBtfExt() {
    assertExtRejected(Arrays.copyOf(objectExt, 12), "truncated");
    byte[] data = objectExt.clone();
    data[1] = 0;
    assertExtRejected(data, "magic");
    ByteBuffer ext = ByteBuffer.wrap(objectExt).order(ByteOrder.LITTLE_ENDIAN);
    int hdrLen = ext.getInt(4);
    int coreOff = hdrLen + ext.getInt(24);
    assertExtRejected(withInt(objectExt, coreOff, 6), "core_relo has bad rec_size 6");
    assertExtRejected(withInt(objectExt, hdrLen + ext.getInt(8), 3), "func_info has bad rec_size 3");
    assertExtRejected(withInt(objectExt, coreOff + 4, 0x7ffffff0), "section name offset");
    assertExtRejected(withInt(objectExt, coreOff + 8, 0x1000000), "run past the end");
    assertExtRejected(withInt(objectExt, coreOff + 12 + 12, 77), "unknown CO-RE relocation kind 77");
    assertExtRejected(withInt(objectExt, coreOff + 12 + 4, 100000), "type id 100000");
    assertExtRejected(withInt(objectExt, 28, 0x7fff0000), "core_relo");
  }

  @Test
  void survivesRandomMutationsOfRealBtf() {
    Random random = new Random(0x5eed_b7f);
    int parsed = 0;
    for (int i = 0; i < MUTATIONS; i++) {
      byte[] data = mutate(objectBtf, random);
      Btf btf;
      try {
        btf = Btf.parse(ByteBuffer.wrap(data));
      } catch (BtfFormatException expected) {
        continue;
      } catch (RuntimeException e) {
        throw new AssertionError("mutation " + i + " leaked " + e, e);
      }
      parsed++;
      exercise(btf, i);
      relocateRealObject(btf, i);
    }
    assertTrue(parsed > 100, "mutations that still parse: " + parsed);
  }

  @Test
  void survivesRandomMutationsOfRealBtfExt() {
    Btf btf = Btf.parse(ByteBuffer.wrap(objectBtf));
    Random random = new Random(0xe47);
    int parsed = 0;
    for (int i = 0; i < MUTATIONS; i++) {
      byte[] data = mutate(objectExt, random);
      BtfExt ext;
      try {
        ext = BtfExt.parse(ByteBuffer.wrap(data), btf);
      } catch (BtfFormatException expected) {
        continue;
      } catch (RuntimeException e) {
        throw new AssertionError("mutation " + i + " leaked " + e, e);
      }
      parsed++;
      for (String section : ext.sections()) {
        try {
          byte[] insns = elf.isExecutable(section) ? elf.section(section) : new byte[64];
          new CoreRelocator(btf, vmlinux).apply(insns, 0, ext.coreRelocations(section));
        } catch (BtfFormatException | CoreRelocationException expected) {
          // a mutated relocation may well be malformed; it must just say so
        } catch (RuntimeException e) {
          throw new AssertionError("mutation " + i + " leaked " + e + " relocating " + section, e);
        }
      }
    }
    assertTrue(parsed > 100, "mutations that still parse: " + parsed);
  }

  /** A damaged object BTF under the real relocations: CO-RE must refuse cleanly or cope. */
  private static void relocateRealObject(Btf btf, int mutation) {
    try {
      BtfExt ext = BtfExt.parse(ByteBuffer.wrap(objectExt), btf);
      for (String section : ext.sections()) {
        byte[] insns = elf.isExecutable(section) ? elf.section(section) : new byte[64];
        new CoreRelocator(btf, vmlinux).apply(insns, 0, ext.coreRelocations(section));
      }
    } catch (BtfFormatException | CoreRelocationException expected) {
      // refused with a message
    } catch (RuntimeException e) {
      throw new AssertionError("mutation " + mutation + " leaked " + e + " while relocating", e);
    }
  }

  /** Reads everything a caller could ask of a parsed blob; only our exceptions may come out. */
  private static void exercise(Btf btf, int mutation) {
    try {
      for (int id = 1; id <= btf.typeCount(); id++) {
        BtfType t = btf.type(id);
        t.toString();
        t.members();
        t.params();
        t.enumerators();
        t.varSecinfos();
        try {
          btf.sizeOf(id);
        } catch (BtfFormatException expected) {
          // not every type has a size
        }
      }
      btf.enumerators("skb_drop_reason");
      btf.funcProtoParamCount("btf_trace_kfree_skb");
      MapDefinitions.fromMapsSection(btf);
    } catch (BpfException expected) {
      // BtfFormatException from a damaged map or cyclic chain is fine
    } catch (RuntimeException e) {
      throw new AssertionError("mutation " + mutation + " leaked " + e, e);
    }
  }

  private static byte[] mutate(byte[] original, Random random) {
    byte[] data = original.clone();
    switch (random.nextInt(4)) {
      case 0 -> {
        return Arrays.copyOf(data, random.nextInt(data.length));
      }
      case 1 -> {
        for (int n = 1 + random.nextInt(8); n > 0; n--) {
          data[random.nextInt(data.length)] ^= (byte) (1 << random.nextInt(8));
        }
      }
      case 2 -> {
        int[] interesting = {0, 1, -1, 0x7fffffff, 0x80000000, 0xffff, 0x10000, data.length, 12, 13};
        int pos = random.nextInt(data.length / 4) * 4;
        ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN).putInt(pos, interesting[random.nextInt(interesting.length)]);
      }
      default -> {
        int pos = random.nextInt(data.length / 4) * 4;
        ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN).putInt(pos, random.nextInt(1 << (1 + random.nextInt(30))));
      }
    }
    return data;
  }

  @Test
  void rejectsMissingFile() {
    BtfFormatException e = assertThrows(BtfFormatException.class,
        () -> Btf.load(java.nio.file.Path.of("/nonexistent/btf")));
    assertTrue(e.getMessage().contains("/nonexistent/btf"));
  }

  @Test
  void nothingButBtfFormatExceptionFromParse() {
    // Every prefix of a small blob: truncation anywhere is reported, never an index error.
    byte[] data = small().build();
    for (int len = 0; len < data.length; len++) {
      try {
        Btf.parse(ByteBuffer.wrap(Arrays.copyOf(data, len)));
        fail("prefix of " + len + " bytes parsed");
      } catch (BtfFormatException expected) {
        // good
      }
    }
  }
}
