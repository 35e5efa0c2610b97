package io.netdrop.bpf;

import io.netdrop.bpf.btf.Btf;
import io.netdrop.bpf.btf.BtfExt;
import io.netdrop.bpf.btf.BtfKind;
import io.netdrop.bpf.btf.CoreRelocation;
import io.netdrop.bpf.btf.CoreRelocator;
import io.netdrop.bpf.btf.CoreResult;
import io.netdrop.bpf.btf.MapDefinition;
import io.netdrop.bpf.btf.MapDefinitions;
import io.netdrop.bpf.elf.BpfObjectFile;
import io.netdrop.bpf.elf.KfuncCall;
import io.netdrop.bpf.elf.MapReference;
import io.netdrop.bpf.elf.ProgramSpec;
import io.netdrop.bpf.elf.Subprogram;
import io.netdrop.bpf.sys.BpfConstants;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A clang-built BPF object made ready for the running kernel: its maps created, and on request
 * its programs relocated (CO-RE against the kernel's BTF, map file descriptors patched into
 * {@code ld_imm64}) and loaded.
 *
 * <p>Only the programs asked for are loaded, so one object can carry variants for several kernel
 * generations. Close frees every map and program it created; nothing is pinned, so the kernel
 * objects also go away when the JVM exits.
 */
public final class BpfObject implements AutoCloseable {
  private static final int LD_IMM64 = 0x18;
  private static final int PSEUDO_MAP_FD = 1;
  private static final int PSEUDO_KFUNC_CALL = 2;

  // What loading a program needs; null after finishLoading(). The kernel's BTF alone is several
  // megabytes of heap, held only until the last program is loaded.
  private BpfObjectFile file;
  private Btf objectBtf;
  private Optional<BtfExt> btfExt;
  private Btf kernelBtf;
  private final Map<String, BpfMap> maps = new LinkedHashMap<>();
  private final List<BpfProgram> programs = new ArrayList<>();

  private BpfObject(BpfObjectFile file, Btf objectBtf, Optional<BtfExt> btfExt, Btf kernelBtf) {
    this.file = file;
    this.objectBtf = objectBtf;
    this.btfExt = btfExt;
    this.kernelBtf = kernelBtf;
  }

  /**
   * Parses {@code elf} and creates its maps. {@code mapSizes} overrides {@code max_entries} of
   * the named maps (for example the ring buffer's size); every other map keeps the size declared
   * in the object.
   *
   * @throws BpfException naming what is wrong with the object or what the kernel refused
   */
  public static BpfObject open(byte[] elf, Btf kernelBtf, Map<String, Integer> mapSizes) {
    BpfObjectFile file = BpfObjectFile.parse(elf);
    Btf objectBtf = Btf.parse(file.btf());
    Optional<BtfExt> ext = file.btfExt().map(b -> BtfExt.parse(b, objectBtf));
    BpfObject object = new BpfObject(file, objectBtf, ext, kernelBtf);
    try {
      for (MapDefinition def : MapDefinitions.fromMapsSection(objectBtf)) {
        int entries = mapSizes.getOrDefault(def.name(), def.maxEntries());
        object.maps.put(
            def.name(),
            BpfMap.create(
                def.name(), def.type(), def.keySize(), def.valueSize(), entries, def.flags()));
      }
      for (String unknown : mapSizes.keySet()) {
        if (!object.maps.containsKey(unknown)) {
          throw new BpfException("no map named '" + unknown + "' in the BPF object");
        }
      }
    } catch (RuntimeException e) {
      object.close();
      throw e;
    }
    return object;
  }

  /** The map declared as {@code name} in the object's {@code .maps} section. */
  public BpfMap map(String name) {
    BpfMap map = maps.get(name);
    if (map == null) {
      throw new BpfException("no map named '" + name + "' in the BPF object");
    }
    return map;
  }

  /** Names of the programs in the object, in section order. */
  public synchronized List<String> programNames() {
    List<String> names = new ArrayList<>();
    for (ProgramSpec spec : loadState().programs()) {
      names.add(spec.name());
    }
    return Collections.unmodifiableList(names);
  }

  /** Cgroup program sections: {program type, expected attach type}. */
  private static final Map<String, int[]> CGROUP_SECTIONS =
      Map.of(
          "cgroup/sock_create",
          new int[] {BpfConstants.PROG_TYPE_CGROUP_SOCK, BpfConstants.ATTACH_TYPE_CGROUP_INET_SOCK_CREATE},
          "cgroup/post_bind4",
          new int[] {BpfConstants.PROG_TYPE_CGROUP_SOCK, BpfConstants.ATTACH_TYPE_CGROUP_INET4_POST_BIND},
          "cgroup/post_bind6",
          new int[] {BpfConstants.PROG_TYPE_CGROUP_SOCK, BpfConstants.ATTACH_TYPE_CGROUP_INET6_POST_BIND},
          "cgroup/getpeername4",
          new int[] {
            BpfConstants.PROG_TYPE_CGROUP_SOCK_ADDR, BpfConstants.ATTACH_TYPE_CGROUP_INET4_GETPEERNAME
          },
          "cgroup/getpeername6",
          new int[] {
            BpfConstants.PROG_TYPE_CGROUP_SOCK_ADDR, BpfConstants.ATTACH_TYPE_CGROUP_INET6_GETPEERNAME
          },
          "sockops",
          new int[] {BpfConstants.PROG_TYPE_SOCK_OPS, BpfConstants.ATTACH_TYPE_CGROUP_SOCK_OPS});

  /**
   * Relocates and loads program {@code name}. Its type comes from its ELF section:
   * {@code tp_btf/<event>} loads as a BTF-typed raw tracepoint bound to {@code btf_trace_<event>}
   * of the kernel's BTF, {@code tracepoint/<category>/<event>} as a classic tracepoint program,
   * {@code cgroup/sock_create}, {@code cgroup/post_bind4|6}, {@code cgroup/getpeername4|6} and
   * {@code sockops} as cgroup programs
   * for {@link BpfLink#attachCgroup}, {@code syscall} as a sleepable BPF_PROG_TYPE_SYSCALL program
   * (5.14+) to run with {@link BpfProgram#run(byte[])}.
   *
   * @throws VerifierException when the kernel rejects the program; its message also names any
   *     CO-RE relocation that could not be satisfied on this kernel
   */
  public synchronized BpfProgram loadProgram(String name) {
    BpfObjectFile file = loadState();
    ProgramSpec spec =
        file.program(name)
            .orElseThrow(() -> new BpfException("no program named '" + name + "' in the BPF object"));
    byte[] insns = spec.instructions().clone();
    List<String> unsatisfied = relocateCore(spec, insns);
    patchMaps(spec, insns);
    patchKfuncs(spec, insns);

    String section = spec.sectionName();
    int progType;
    int attachType = 0;
    int attachBtfId = 0;
    int progFlags = 0;
    if (section.equals("syscall")) {
      // The kernel accepts this type only sleepable ("Syscall programs can only be sleepable").
      progType = BpfConstants.PROG_TYPE_SYSCALL;
      progFlags = BpfConstants.BPF_F_SLEEPABLE;
    } else if (section.startsWith("tp_btf/")) {
      String event = section.substring("tp_btf/".length());
      progType = BpfConstants.PROG_TYPE_TRACING;
      attachType = BpfConstants.ATTACH_TYPE_TRACE_RAW_TP;
      attachBtfId =
          kernelBtf
              .findType(BtfKind.TYPEDEF, "btf_trace_" + event)
              .orElseThrow(
                  () ->
                      new BpfException(
                          "kernel BTF has no btf_trace_" + event + ": tracepoint " + event
                              + " is not available on this kernel"));
    } else if (section.startsWith("tracepoint/")) {
      progType = BpfConstants.PROG_TYPE_TRACEPOINT;
    } else if (CGROUP_SECTIONS.containsKey(section)) {
      int[] types = CGROUP_SECTIONS.get(section);
      progType = types[0];
      attachType = types[1];
    } else {
      throw new BpfException(
          "program " + name + ": section '" + section + "' is not a supported program type");
    }
    try {
      BpfProgram program =
          BpfProgram.load(
              name, progType, attachType, progFlags, insns, file.license(), attachBtfId,
              functions(spec));
      programs.add(program);
      return program;
    } catch (VerifierException e) {
      if (unsatisfied.isEmpty()) {
        throw e;
      }
      throw new BpfException(
          "program " + name + " needs what this kernel lacks: " + String.join("; ", unsatisfied),
          e);
    }
  }

  /** The func_info a program with callbacks must carry; null for one without. */
  private static BpfProgram.Functions functions(ProgramSpec spec) {
    if (spec.subprograms().isEmpty()) {
      return null;
    }
    List<String> names = new ArrayList<>();
    int[] starts = new int[spec.subprograms().size() + 1];
    names.add(spec.name());
    for (int i = 0; i < spec.subprograms().size(); i++) {
      Subprogram sub = spec.subprograms().get(i);
      names.add(sub.name());
      starts[i + 1] = sub.instructionIndex();
    }
    return new BpfProgram.Functions(names, starts);
  }

  /**
   * Lets go of what loading needs (the parsed object and its BTF, the kernel's BTF): the maps and
   * the loaded programs stay usable, but no further program can be loaded. Idempotent.
   */
  public synchronized void finishLoading() {
    file = null;
    objectBtf = null;
    btfExt = null;
    kernelBtf = null;
  }

  /** Whether {@link #loadProgram} still works (false after {@link #finishLoading}). */
  public synchronized boolean canLoad() {
    return file != null;
  }

  private BpfObjectFile loadState() {
    if (file == null) {
      throw new BpfException("BPF object: loading is finished; no further program can be loaded");
    }
    return file;
  }

  /** Applies the CO-RE relocations of the program and of each appended callback, each in its own slots. */
  private List<String> relocateCore(ProgramSpec spec, byte[] insns) {
    if (btfExt.isEmpty()) {
      return List.of();
    }
    // One relocator for all pieces: it caches the kernel types it has looked up.
    CoreRelocator relocator = new CoreRelocator(objectBtf, kernelBtf);
    List<String> unsatisfied = new ArrayList<>(
        relocateCore(
            relocator, spec.sectionName(), spec.sectionOffset(), insns, 0, spec.ownInstructionCount()));
    for (Subprogram sub : spec.subprograms()) {
      unsatisfied.addAll(
          relocateCore(
              relocator, sub.sectionName(), sub.sectionOffset(), insns, sub.instructionIndex(),
              sub.instructionCount()));
    }
    return unsatisfied;
  }

  private List<String> relocateCore(
      CoreRelocator relocator, String section, int sectionOffset, byte[] insns, int fromSlot, int slots) {
    List<CoreRelocation> relocations = btfExt.get().coreRelocations(section);
    if (relocations.isEmpty()) {
      return List.of();
    }
    // Only this piece's slots: other functions of the section lie past its end.
    byte[] piece = Arrays.copyOfRange(insns, fromSlot * 8, (fromSlot + slots) * 8);
    CoreResult result = relocator.apply(piece, sectionOffset, relocations);
    System.arraycopy(piece, 0, insns, fromSlot * 8, piece.length);
    return result.unsatisfied();
  }

  private void patchMaps(ProgramSpec spec, byte[] insns) {
    Map<String, Integer> fds = new HashMap<>();
    for (Map.Entry<String, BpfMap> e : maps.entrySet()) {
      fds.put(e.getKey(), e.getValue().fd());
    }
    for (MapReference ref : spec.mapReferences()) {
      Integer fd = fds.get(ref.mapName());
      if (fd == null) {
        throw new BpfException(
            "program " + spec.name() + " refers to map '" + ref.mapName()
                + "' which the object does not define");
      }
      int at = ref.instructionIndex() * 8;
      if ((insns[at] & 0xff) != LD_IMM64 || at + 16 > insns.length) {
        throw new BpfException(
            "program " + spec.name() + ": map reference at instruction "
                + ref.instructionIndex() + " is not a ld_imm64");
      }
      insns[at + 1] = (byte) ((insns[at + 1] & 0x0f) | (PSEUDO_MAP_FD << 4));
      putInt(insns, at + 4, fd);
      putInt(insns, at + 12, 0);
    }
  }

  /** Points each call to an extern kernel function at that function's id in the kernel's BTF. */
  private void patchKfuncs(ProgramSpec spec, byte[] insns) {
    for (KfuncCall call : spec.kfuncCalls()) {
      int id =
          kernelBtf
              .findType(BtfKind.FUNC, call.name())
              .orElseThrow(
                  () ->
                      new BpfException(
                          "program " + spec.name() + " calls kernel function " + call.name()
                              + ", which this kernel does not have"));
      int at = call.instructionIndex() * 8;
      insns[at + 1] = (byte) ((insns[at + 1] & 0x0f) | (PSEUDO_KFUNC_CALL << 4));
      insns[at + 2] = 0; // off 0: the function is in vmlinux, not a module
      insns[at + 3] = 0;
      putInt(insns, at + 4, id);
    }
  }

  private static void putInt(byte[] b, int at, int v) {
    b[at] = (byte) v;
    b[at + 1] = (byte) (v >>> 8);
    b[at + 2] = (byte) (v >>> 16);
    b[at + 3] = (byte) (v >>> 24);
  }

  /** Closes every program and map this object created. Idempotent. */
  @Override
  public void close() {
    for (BpfProgram p : programs) {
      p.close();
    }
    programs.clear();
    for (BpfMap m : maps.values()) {
      m.close();
    }
    maps.clear();
  }
}
