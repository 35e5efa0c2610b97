package io.netdrop.telemetry.otel;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.lang.invoke.MethodType;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which OpenTelemetry API classes, methods and fields a class file refers to that a copy of the
 * API lacks: what would fail with a {@link LinkageError} once that code ran against the copy.
 * Read from the class file's constant pool, without running or defining anything, so netdrop can
 * say before it starts what an application's older API cannot do. (The same check, for netdrop's
 * own packages, proves in the tests that the classes an {@link ApplicationApiLoader} defines use
 * only what they can reach from another runtime package.)
 */
final class ApiLinkage {
  private static final String OTEL = "io/opentelemetry/";

  private ApiLinkage() {}

  /**
   * What {@code classFile} refers to in {@code io.opentelemetry} that {@code api} (the class loader
   * of the API copy) does not have, e.g. {@code LogRecordBuilder.setEventName(String)}; empty if
   * everything is there.
   *
   * @throws IOException if {@code classFile} is not a class file
   */
  static List<String> missing(byte[] classFile, ClassLoader api) throws IOException {
    return missing(classFile, api, OTEL);
  }

  /**
   * What {@code classFile} refers to in the packages under {@code prefix} ({@code io/netdrop/})
   * that {@code api} does not have as a public class, method or field: what code in another
   * class loader, and so in another runtime package, could not link to.
   *
   * @throws IOException if {@code classFile} is not a class file
   */
  static List<String> missing(byte[] classFile, ClassLoader api, String prefix) throws IOException {
    DataInputStream in = new DataInputStream(new ByteArrayInputStream(classFile));
    if (in.readInt() != 0xCAFEBABE) {
      throw new IOException("not a class file");
    }
    in.readUnsignedShort(); // minor
    in.readUnsignedShort(); // major
    int count = in.readUnsignedShort();
    String[] utf8 = new String[count];
    int[] tags = new int[count];
    int[] first = new int[count];
    int[] second = new int[count];
    for (int i = 1; i < count; i++) {
      int tag = in.readUnsignedByte();
      tags[i] = tag;
      switch (tag) {
        case 1 -> utf8[i] = in.readUTF();
        case 7, 8, 16, 19, 20 -> first[i] = in.readUnsignedShort();
        case 3, 4 -> in.readInt();
        case 5, 6 -> {
          in.readLong();
          i++; // takes two entries
        }
        case 9, 10, 11, 12, 17, 18 -> {
          first[i] = in.readUnsignedShort();
          second[i] = in.readUnsignedShort();
        }
        case 15 -> {
          in.readUnsignedByte();
          first[i] = in.readUnsignedShort();
        }
        default -> throw new IOException("unknown constant pool tag " + tag + " at entry " + i);
      }
    }
    Set<String> missing = new LinkedHashSet<>();
    // Every API type named anywhere: class entries, descriptors and generic signatures.
    for (int i = 1; i < count; i++) {
      if (tags[i] == 7 && utf8[first[i]].startsWith(prefix)) {
        type(utf8[first[i]], api, missing);
      } else if (tags[i] == 1 && utf8[i].contains("L" + prefix)) {
        Matcher m = Pattern.compile("L(" + Pattern.quote(prefix) + "[^;<]+)[;<]").matcher(utf8[i]);
        while (m.find()) {
          type(m.group(1), api, missing);
        }
      }
    }
    for (int i = 1; i < count; i++) {
      if (tags[i] < 9 || tags[i] > 11) {
        continue;
      }
      String owner = utf8[first[first[i]]];
      if (!owner.startsWith(prefix)) {
        continue;
      }
      Class<?> c = load(owner, api);
      if (c == null) {
        continue; // already named above
      }
      String name = utf8[first[second[i]]];
      String descriptor = utf8[second[second[i]]];
      boolean found = tags[i] == 9 ? hasField(c, name, descriptor) : hasMethod(c, name, descriptor);
      if (!found) {
        missing.add(simpleName(owner) + "." + (tags[i] == 9 ? name : name + readable(descriptor)));
      }
    }
    return new ArrayList<>(missing);
  }

  private static void type(String internalName, ClassLoader api, Set<String> missing) {
    if (load(internalName, api) == null) {
      missing.add(internalName.replace('/', '.'));
    }
  }

  /** The public class, or null. */
  private static Class<?> load(String internalName, ClassLoader api) {
    try {
      Class<?> c = Class.forName(internalName.replace('/', '.'), false, api);
      return Modifier.isPublic(c.getModifiers()) ? c : null;
    } catch (ClassNotFoundException | LinkageError e) {
      return null;
    }
  }

  private static boolean hasField(Class<?> c, String name, String descriptor) {
    try {
      Field f = c.getField(name);
      return f.getType().descriptorString().equals(descriptor);
    } catch (NoSuchFieldException | LinkageError e) {
      return false;
    }
  }

  private static boolean hasMethod(Class<?> c, String name, String descriptor) {
    try {
      if (name.equals("<init>")) {
        for (Constructor<?> k : c.getConstructors()) {
          if (MethodType.methodType(void.class, k.getParameterTypes()).toMethodDescriptorString().equals(descriptor)) {
            return true;
          }
        }
        return false;
      }
      // Public methods, inherited ones included; an interface's own static methods are among them.
      for (Method m : c.getMethods()) {
        if (m.getName().equals(name)
            && MethodType.methodType(m.getReturnType(), m.getParameterTypes()).toMethodDescriptorString().equals(descriptor)) {
          return true;
        }
      }
      return false;
    } catch (LinkageError e) {
      return false;
    }
  }

  private static String simpleName(String internalName) {
    return internalName.substring(internalName.lastIndexOf('/') + 1).replace('$', '.');
  }

  /** {@code (Ljava/lang/String;J)V} as {@code (String, long)}. */
  static String readable(String descriptor) {
    List<String> params = new ArrayList<>();
    int i = 1;
    while (descriptor.charAt(i) != ')') {
      int start = i;
      while (descriptor.charAt(i) == '[') {
        i++;
      }
      if (descriptor.charAt(i) == 'L') {
        i = descriptor.indexOf(';', i);
      }
      i++;
      String d = descriptor.substring(start, i);
      String base = d.replace("[", "");
      String name =
          base.startsWith("L") ? simpleName(base.substring(1, base.length() - 1)) : primitive(base.charAt(0));
      params.add(name + "[]".repeat(d.length() - base.length()));
    }
    return "(" + String.join(", ", params) + ")";
  }

  private static String primitive(char c) {
    return switch (c) {
      case 'Z' -> "boolean";
      case 'B' -> "byte";
      case 'C' -> "char";
      case 'S' -> "short";
      case 'I' -> "int";
      case 'J' -> "long";
      case 'F' -> "float";
      case 'D' -> "double";
      default -> String.valueOf(c);
    };
  }
}
