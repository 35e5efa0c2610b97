/** Byte Buddy advice in JDK and Netty socket classes that reports socket life-cycle events to the bootstrap bridge. */
package io.netdrop.instrumentation;
