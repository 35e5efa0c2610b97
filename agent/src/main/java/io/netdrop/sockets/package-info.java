/** This JVM's own sockets, from socket events and /proc, recorded so drops can be attributed to them. */
package io.netdrop.sockets;
