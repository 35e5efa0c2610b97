package io.netdrop.bpf.btf;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;

/**
 * Reads BTF-defined map declarations: each variable of the {@code .maps} DATASEC is an anonymous
 * struct whose members encode {@code __uint(name, n)} as {@code int (*name)[n]} and
 * {@code __type(name, T)} as {@code T *name}.
 */
public final class MapDefinitions {
  private static final String SECTION = ".maps";

  private MapDefinitions() {}

  /**
   * The maps of an object, in declaration order; empty if it has no {@code .maps} section.
   * Supported members: type, max_entries, map_flags, key, value, key_size, value_size.
   *
   * @throws BtfFormatException if a declaration is malformed or uses another member, naming the
   *     map and the member
   */
  public static List<MapDefinition> fromMapsSection(Btf objectBtf) {
    OptionalInt datasec = objectBtf.findType(BtfKind.DATASEC, SECTION);
    if (datasec.isEmpty()) {
      return List.of();
    }
    List<MapDefinition> maps = new ArrayList<>();
    for (BtfVarSecinfo var : objectBtf.type(datasec.getAsInt()).varSecinfos()) {
      if (var.type() == 0 || objectBtf.kind(var.type()) != BtfKind.VAR) {
        throw new BtfFormatException("BTF " + SECTION + " entry type id " + var.type() + " is not a VAR");
      }
      maps.add(definition(objectBtf, objectBtf.name(var.type()), objectBtf.ref(var.type())));
    }
    return List.copyOf(maps);
  }

  private static MapDefinition definition(Btf btf, String map, int typeId) {
    int def = btf.skipModifiers(typeId);
    if (def == 0 || btf.kind(def) != BtfKind.STRUCT) {
      throw new BtfFormatException("map '" + map + "': definition is not a struct");
    }
    long type = 0;
    long keySize = 0;
    long valueSize = 0;
    long maxEntries = 0;
    long flags = 0;
    for (BtfMember member : btf.type(def).members()) {
      switch (member.name()) {
        case "type" -> type = uintValue(btf, map, member);
        case "max_entries" -> maxEntries = uintValue(btf, map, member);
        case "map_flags" -> flags = uintValue(btf, map, member);
        case "key_size" -> keySize = checkSame(map, "key", keySize, uintValue(btf, map, member));
        case "value_size" -> valueSize = checkSame(map, "value", valueSize, uintValue(btf, map, member));
        case "key" -> keySize = checkSame(map, "key", keySize, pointeeSize(btf, map, member));
        case "value" -> valueSize = checkSame(map, "value", valueSize, pointeeSize(btf, map, member));
        default -> throw new BtfFormatException("map '" + map + "': unsupported member '" + member.name() + "'");
      }
    }
    return new MapDefinition(map, (int) type, (int) keySize, (int) valueSize, (int) maxEntries, (int) flags);
  }

  /** {@code __uint(name, n)}: a pointer to an array of n ints. */
  private static long uintValue(Btf btf, String map, BtfMember member) {
    int ptr = btf.skipModifiers(member.type());
    if (ptr != 0 && btf.kind(ptr) == BtfKind.PTR) {
      int array = btf.skipModifiers(btf.ref(ptr));
      if (array != 0 && btf.kind(array) == BtfKind.ARRAY) {
        return btf.type(array).array().elementCount();
      }
    }
    throw new BtfFormatException("map '" + map + "': member '" + member.name() + "' is not declared with __uint()");
  }

  /** {@code __type(name, T)}: a pointer to T. */
  private static long pointeeSize(Btf btf, String map, BtfMember member) {
    int ptr = btf.skipModifiers(member.type());
    if (ptr == 0 || btf.kind(ptr) != BtfKind.PTR) {
      throw new BtfFormatException("map '" + map + "': member '" + member.name() + "' is not declared with __type()");
    }
    long size;
    try {
      size = btf.sizeOf(btf.ref(ptr));
    } catch (BtfFormatException e) {
      throw new BtfFormatException("map '" + map + "': member '" + member.name() + "' has no size: " + e.getMessage(), e);
    }
    if (size > Integer.MAX_VALUE) {
      throw new BtfFormatException("map '" + map + "': member '" + member.name() + "' size " + size + " too large");
    }
    return size;
  }

  private static long checkSame(String map, String what, long previous, long value) {
    if (previous != 0 && previous != value) {
      throw new BtfFormatException("map '" + map + "': " + what + " size given twice, as " + previous + " and " + value);
    }
    return value;
  }
}
