package io.netdrop.sockets.internal;

import io.netdrop.sockets.internal.Creators.Strategy;
import java.util.List;
import java.util.function.Supplier;

/**
 * Prints which creator strategy this JVM chooses and what each available strategy answers for
 * the same stacks, one {@code STRATEGY case answer} line each; {@link CreatorsJava25IT} runs it
 * under Java 25.
 */
public final class CreatorsProbe {
  static final List<String> SKIPPED = List.of("java.", "jdk.", CreatorsProbe.class.getName() + "$Deep");

  static final class Deep {
    static String call(int depth, Supplier<String> leaf) {
      return depth == 0 ? leaf.get() : call(depth - 1, leaf);
    }
  }

  public static void main(String[] args) {
    System.out.println("chosen " + Strategy.chosen());
    for (Strategy s : Strategy.values()) {
      if (!s.isAvailable()) {
        System.out.println(s + " unavailable");
        continue;
      }
      Creators c = Creators.skipping(SKIPPED, s);
      for (int depth : new int[] {0, 10, 300}) {
        System.out.println(s + " depth" + depth + " " + Deep.call(depth, c::firstApplicationClass));
      }
      String[] inLambda = new String[1];
      Runnable r = () -> inLambda[0] = Deep.call(3, c::firstApplicationClass);
      r.run();
      System.out.println(s + " lambda " + inLambda[0]);
      Creators none = Creators.skipping(List.of("java.", "jdk.", "io.", "org.", "sun.", "com."), s);
      System.out.println(s + " none " + Deep.call(5, none::firstApplicationClass));
    }
  }
}
