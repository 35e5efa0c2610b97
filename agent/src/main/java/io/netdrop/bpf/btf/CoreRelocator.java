package io.netdrop.bpf.btf;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Applies CO-RE relocations: rewrites field offsets, sizes, existence checks, type sizes and
 * enum values compiled against the object's own (local) BTF so they hold for the target BTF,
 * normally the running kernel's.
 *
 * <p>Kernel candidates for a local type are the types of the same kind whose name equals the
 * local name with any {@code ___flavour} suffix removed; fields are matched by name, looking
 * through anonymous struct/union members. A relocation the kernel cannot satisfy is not an error:
 * its instruction is replaced by a call to a nonexistent helper (so it still loads if the code is
 * dead behind an existence check) and it is reported in {@link CoreResult#unsatisfied()}.
 * Not thread-safe: use one instance per thread or synchronize.
 */
public final class CoreRelocator {
  private final Btf local;
  private final Btf target;
  private final Map<Integer, int[]> candidates = new HashMap<>();

  /**
   * @param local the BPF object's own BTF, which the relocations' type ids and strings refer to
   * @param target the BTF to relocate against, normally {@link Btf#loadVmlinux()}
   */
  public CoreRelocator(Btf local, Btf target) {
    this.local = Objects.requireNonNull(local, "local");
    this.target = Objects.requireNonNull(target, "target");
  }

  /**
   * Patches {@code insns} (8-byte little-endian BPF instructions) in place. The program's
   * instructions start at byte {@code sectionOffset} of the ELF section the relocations belong
   * to; relocations outside the program are skipped.
   *
   * @return how many relocations were applied and which could not be satisfied (those
   *     instructions are poisoned); {@code insns} is fully processed either way
   * @throws CoreRelocationException if a relocation is malformed (bad type id, access string, or
   *     an instruction that does not match it) or kernel candidates disagree
   */
  public CoreResult apply(byte[] insns, int sectionOffset, List<CoreRelocation> relocations) {
    int applied = 0;
    List<String> unsatisfied = new ArrayList<>();
    for (CoreRelocation relo : relocations) {
      long rel = (long) relo.insnOffset() - sectionOffset;
      if (rel < 0 || rel >= insns.length) {
        continue; // belongs to another program of the same section
      }
      if (rel % CoreInsnPatcher.INSN_SIZE != 0 || rel + CoreInsnPatcher.INSN_SIZE > insns.length) {
        throw new CoreRelocationException("CO-RE relocation at section offset " + relo.insnOffset()
            + " is not on an instruction boundary");
      }
      int pos = (int) rel;
      int insnIndex = pos / CoreInsnPatcher.INSN_SIZE;
      String failure = applyOne(insns, pos, insnIndex, relo);
      if (failure == null) {
        applied++;
      } else {
        CoreInsnPatcher.poison(insns, pos);
        unsatisfied.add(failure);
      }
    }
    return new CoreResult(applied, unsatisfied);
  }

  /** Returns null when patched, else the "unsatisfied" message. */
  private String applyOne(byte[] insns, int pos, int insnIndex, CoreRelocation relo) {
    int typeId = relo.typeId();
    if (typeId < 1 || typeId > local.typeCount()) {
      throw new CoreRelocationException("CO-RE relocation at insn " + insnIndex + " refers to local type id "
          + typeId + ", not in 1.." + local.typeCount());
    }
    CoreRelocationKind kind = relo.kind();
    CoreSpec localSpec = CoreSpec.parseLocal(local, typeId, relo.accessString(), kind);
    String where = "CO-RE " + kind + " on " + localSpec.describe() + " at insn " + insnIndex;
    CoreValue orig = CoreValue.compute(kind, localSpec);

    CoreValue result;
    CoreSpec chosen = null;
    if (kind == CoreRelocationKind.TYPE_ID_LOCAL) {
      result = orig;
    } else {
      String name = CoreNames.essential(local.name(typeId));
      if (name.isEmpty()) {
        throw new CoreRelocationException(where + ": relocations against anonymous types are not supported");
      }
      result = null;
      int resultCandidate = 0;
      int[] ids = candidates(typeId, name);
      for (int id : ids) {
        CoreSpec spec = CoreSpec.match(localSpec, target, id);
        if (spec == null) {
          continue;
        }
        CoreValue value = CoreValue.compute(kind, spec);
        if (result == null) {
          result = value;
          chosen = spec;
          resultCandidate = id;
        } else if (!result.sameOutcome(value)) {
          throw new CoreRelocationException(where + ": ambiguous, kernel candidates " + target.type(resultCandidate)
              + " and " + target.type(id) + " give " + result.value() + " and " + value.value());
        }
      }
      if (result == null) {
        result = CoreValue.compute(kind, null);
        if (result.poison() && ids.length == 0) {
          result = CoreValue.poisoned(local.kind(typeId).name().toLowerCase() + " " + local.name(typeId)
              + " not found in kernel BTF");
        }
      }
    }
    if (result.poison()) {
      return localSpec.describe() + ": " + result.reason() + " (" + kind + ", insn " + insnIndex + ")";
    }
    boolean adjustable = chosen != null && memSizeAdjustable(orig, result);
    String refusal = CoreInsnPatcher.patch(insns, pos, orig, result, adjustable, where);
    if (refusal != null) {
      return localSpec.describe() + ": " + refusal + " (" + kind + ", insn " + insnIndex + ")";
    }
    return null;
  }

  private int[] candidates(int localId, String essentialName) {
    return candidates.computeIfAbsent(localId, id -> {
      BtfKind kind = local.kind(id);
      return Arrays.stream(target.idsWithEssentialName(essentialName))
          .filter(t -> kindsMatch(kind, target.kind(t)) && CoreNames.essential(target.name(t)).equals(essentialName))
          .toArray();
    });
  }

  private static boolean kindsMatch(BtfKind local, BtfKind target) {
    boolean localEnum = local == BtfKind.ENUM || local == BtfKind.ENUM64;
    boolean targetEnum = target == BtfKind.ENUM || target == BtfKind.ENUM64;
    return local == target || (localEnum && targetEnum);
  }

  /**
   * A load may change width only where zero-extension keeps the value right: pointers, and
   * unsigned integers.
   */
  private boolean memSizeAdjustable(CoreValue orig, CoreValue result) {
    if (orig.memSize() == result.memSize()) {
      return true;
    }
    if (orig.memTypeId() == 0 || result.memTypeId() == 0) {
      return false;
    }
    BtfKind lk = local.kind(orig.memTypeId());
    BtfKind tk = target.kind(result.memTypeId());
    if (lk == BtfKind.PTR && tk == BtfKind.PTR) {
      return true;
    }
    return lk == BtfKind.INT && tk == BtfKind.INT
        && !local.type(orig.memTypeId()).isSigned() && !target.type(result.memTypeId()).isSigned();
  }
}
