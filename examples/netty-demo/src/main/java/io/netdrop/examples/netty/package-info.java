/** A Netty app that runs a fixed scenario of kernel packet drops on its own loopback sockets. */
package io.netdrop.examples.netty;
