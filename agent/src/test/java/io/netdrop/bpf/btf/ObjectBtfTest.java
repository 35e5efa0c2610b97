package io.netdrop.bpf.btf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The real object the build compiles from bpf/netdrop.bpf.c. */
class ObjectBtfTest {
  private static final int HASH = 1;
  private static final int ARRAY = 2;
  private static final int LRU_HASH = 9;
  private static final int RINGBUF = 27;

  private final TestElf elf = TestElf.netdropObject();
  private final Btf btf = Btf.parse(ByteBuffer.wrap(elf.section(".BTF")));

  @Test
  void readsBtfDefinedMaps() {
    Map<String, MapDefinition> maps = MapDefinitions.fromMapsSection(btf).stream()
        .collect(Collectors.toMap(MapDefinition::name, Function.identity()));

    assertEquals(new MapDefinition("sockets", HASH, 8, 4, 65536, 0), maps.get("sockets"));
    assertEquals(new MapDefinition("events", RINGBUF, 0, 0, 262144, 0), maps.get("events"));
    assertEquals(LRU_HASH, maps.get("tuples").type());
    assertEquals(44, maps.get("tuples").keySize());
    assertEquals(8, maps.get("tuples").valueSize());
    assertEquals(new MapDefinition("port_hint", ARRAY, 4, 8, 1024, 0), maps.get("port_hint"));
    assertEquals(8, maps.get("ports").keySize());
    // BPF_F_MMAPABLE: the agent maps the socket-creation slots into its memory.
    assertEquals(new MapDefinition("creating", ARRAY, 4, 64, 4096, 1 << 10), maps.get("creating"));
    // The batch nd_release works through: 64-byte struct nd_release entries, mapped by the agent.
    assertEquals(new MapDefinition("releasing", ARRAY, 4, 64, 4096, 1 << 10), maps.get("releasing"));
    assertEquals(11, maps.size());
  }

  @Test
  void readsFuncInfoLineInfoAndCoreRelocationsPerSection() {
    BtfExt ext = BtfExt.parse(ByteBuffer.wrap(elf.section(".BTF.ext")), btf);

    assertTrue(ext.sections().containsAll(List.of("tp_btf/kfree_skb", "tracepoint/skb/kfree_skb",
        "tp_btf/net_dev_queue", "tracepoint/net/net_dev_queue")), ext.sections().toString());
    List<BtfFuncInfo> funcs = ext.funcInfos("tp_btf/kfree_skb");
    assertEquals(2, funcs.size(), "nd_kfree_skb and nd_kfree_skb_norx");
    assertEquals(List.of("nd_kfree_skb", "nd_kfree_skb_norx"),
        funcs.stream().map(f -> btf.name(f.typeId())).toList());
    assertFalse(ext.lineInfos("tp_btf/kfree_skb").isEmpty());

    List<CoreRelocation> relos = ext.coreRelocations("tracepoint/skb/kfree_skb");
    int ctx = btf.findType(BtfKind.STRUCT, "trace_event_raw_kfree_skb").orElseThrow();
    assertTrue(relos.stream().anyMatch(r -> r.typeId() == ctx && r.kind() == CoreRelocationKind.FIELD_EXISTS),
        "bpf_core_field_exists(ctx->rx_sk) is recorded");
    assertTrue(relos.stream().allMatch(r -> r.insnOffset() % 8 == 0 && !r.accessString().isEmpty()));
    int reasons = btf.findType(BtfKind.ENUM, "skb_drop_reason").orElseThrow();
    assertTrue(ext.coreRelocations("tp_btf/kfree_skb").stream()
        .anyMatch(r -> r.typeId() == reasons && r.kind() == CoreRelocationKind.ENUMVAL_EXISTS));
    assertTrue(ext.coreRelocations("no such section").isEmpty());
  }
}
