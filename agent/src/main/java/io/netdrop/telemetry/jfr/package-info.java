/** netdrop's drops as JDK Flight Recorder events ({@code io.netdrop.Drop}). */
package io.netdrop.telemetry.jfr;
