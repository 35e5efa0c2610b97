package io.netdrop.bpf.elf;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Seeded random corruptions of the real object: parsing must either succeed or throw an {@link
 * ElfFormatException} with a message, never anything else. Each case uses its own seed so a failure
 * names the seed that reproduces it. For a longer run: {@code -DargLine="-DfuzzCases=200000
 * -DfuzzSeed=1"}.
 */
class ElfFuzzTest {
  private static final long BASE_SEED = Long.getLong("fuzzSeed", 0x6e657464726f70L);
  private static final int CASES = Integer.getInteger("fuzzCases", 6000);

  /** Values that hit boundaries: zero, small, just-past-the-end, sign bit, all ones. */
  private static final long[] EXTREMES = {
    0,
    1,
    7,
    8,
    0xff,
    0xffff,
    0x7fffffffL,
    0x80000000L,
    0xffffffffL,
    1L << 32,
    Long.MAX_VALUE,
    Long.MIN_VALUE,
    -1L,
    -8L
  };

  private final byte[] original = ObjectPatcher.realObject();
  private final ElfFile layout = ElfFile.parse(ByteBuffer.wrap(original));

  @Test
  void randomMutationsEitherParseOrFailWithElfFormatException() {
    int accepted = 0;
    int rejected = 0;
    for (int i = 0; i < CASES; i++) {
      long seed = BASE_SEED + i;
      byte[] input = mutate(new Random(seed));
      try {
        exerciseEverything(input);
        accepted++;
      } catch (ElfFormatException e) {
        assertNotNull(e.getMessage(), "seed " + seed);
        assertFalse(e.getMessage().isBlank(), "seed " + seed);
        rejected++;
      } catch (Throwable t) {
        fail("seed " + seed + ": expected success or ElfFormatException, got " + t, t);
      }
    }
    // Both outcomes must occur, or the mutations are not reaching past the header.
    assertTrue(accepted > CASES / 20, "accepted " + accepted);
    assertTrue(rejected > CASES / 20, "rejected " + rejected);
  }

  private static void exerciseEverything(byte[] input) {
    ElfFile elf = ElfFile.parse(ByteBuffer.wrap(input));
    for (ElfSection section : elf.sections()) {
      elf.data(section);
      try {
        elf.relocations(section);
      } catch (ElfFormatException e) {
        assertFalse(e.getMessage().isBlank());
      }
    }
    BpfObjectFile object = BpfObjectFile.parse(input);
    for (ProgramSpec program : object.programs()) {
      for (MapReference ref : program.mapReferences()) {
        assertTrue(object.mapNames().contains(ref.mapName()));
        assertTrue(ref.instructionIndex() < program.instructionCount());
      }
    }
    object.btf();
    object.btfExt();
    object.license();
  }

  private byte[] mutate(Random random) {
    byte[] bytes = original.clone();
    ByteBuffer buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    int mutations = 1 + random.nextInt(4);
    for (int m = 0; m < mutations; m++) {
      switch (random.nextInt(6)) {
        case 0 -> bytes[random.nextInt(bytes.length)] ^= (byte) (1 << random.nextInt(8));
        case 1 -> bytes[random.nextInt(bytes.length)] = (byte) random.nextInt(256);
        case 2 -> putField(buffer, random, headerField(random));
        case 3 -> putField(buffer, random, sectionHeaderField(random));
        case 4 -> putField(buffer, random, tableField(random, ".symtab", 24));
        default -> putField(buffer, random, tableField(random, relocationTable(random), 16));
      }
    }
    if (random.nextInt(10) == 0) {
      return Arrays.copyOf(bytes, random.nextInt(bytes.length));
    }
    return bytes;
  }

  private static int headerField(Random random) {
    int[] fields = {4, 5, 6, 16, 18, 40, 52, 58, 60, 62};
    return fields[random.nextInt(fields.length)];
  }

  private int sectionHeaderField(Random random) {
    int[] fields = {0, 4, 8, 24, 32, 40, 44, 56};
    long shoff = ByteBuffer.wrap(original).order(ByteOrder.LITTLE_ENDIAN).getLong(40);
    return (int) (shoff + 64L * random.nextInt(layout.sections().size()))
        + fields[random.nextInt(fields.length)];
  }

  private String relocationTable(Random random) {
    List<ElfSection> tables =
        layout.sections().stream().filter(s -> s.type() == ElfSection.SHT_REL).toList();
    return tables.get(random.nextInt(tables.size())).name();
  }

  private int tableField(Random random, String sectionName, int entrySize) {
    ElfSection table = layout.section(sectionName).orElseThrow();
    int entries = (int) (table.size() / entrySize);
    return (int) table.offset()
        + entrySize * random.nextInt(entries)
        + 4 * random.nextInt(entrySize / 4);
  }

  /** Overwrites the field at {@code at} with a boundary value or random bits, 1 to 8 bytes wide. */
  private static void putField(ByteBuffer buffer, Random random, int at) {
    long value =
        random.nextBoolean()
            ? EXTREMES[random.nextInt(EXTREMES.length)]
            : random.nextLong() >>> random.nextInt(64);
    int width = new int[] {1, 2, 4, 8}[random.nextInt(4)];
    for (int b = 0; b < width && at + b < buffer.limit(); b++) {
      buffer.put(at + b, (byte) (value >>> (8 * b)));
    }
  }
}
