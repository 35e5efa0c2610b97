/** A Netty 4.2 HTTP service on epoll whose endpoints cause kernel packet drops on its own loopback sockets. */
package io.netdrop.examples.netty;
