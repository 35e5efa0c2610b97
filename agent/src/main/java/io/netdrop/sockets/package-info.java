/** This JVM's own sockets, read from /proc, so drops can be attributed to them. */
package io.netdrop.sockets;
