package io.netdrop.telemetry.jfr;

import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.Period;
import jdk.jfr.StackTrace;

/**
 * Never written: a periodic event only for its end-of-chunk hook ({@link LastDrops}), which JFR
 * runs before it writes the last chunk of a recording that stops.
 */
@Name("io.netdrop.LastDrops")
@Label("netdrop Last Drops")
@Description(
    "Never recorded: its end-of-chunk hook holds a recording that stops at JVM exit until netdrop"
        + " has reported its last drops")
@Period("endChunk")
@StackTrace(false)
final class LastDropsEvent extends jdk.jfr.Event {}
