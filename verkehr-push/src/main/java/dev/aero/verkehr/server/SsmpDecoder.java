package dev.aero.verkehr.server;

import java.util.List;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;

import dev.aero.verkehr.ssmp.SsmpGrammarException;
import dev.aero.verkehr.ssmp.SsmpRequest;
import dev.aero.verkehr.ssmp.SsmpWire;

/**
 * Splits the byte stream into {@link SsmpRequest}s. The first grammar error yields
 * {@link #MALFORMED} and everything after it is discarded: the connection is about to close.
 */
final class SsmpDecoder extends ByteToMessageDecoder {

    /** Marker for a request that broke the grammar. */
    static final Object MALFORMED = new Object();

    private boolean failed;

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (failed) {
            in.skipBytes(in.readableBytes());
            return;
        }
        try {
            SsmpRequest request = SsmpWire.parse(in);
            if (request != null) {
                out.add(request);
            }
        } catch (SsmpGrammarException e) {
            failed = true;
            in.skipBytes(in.readableBytes());
            out.add(MALFORMED);
        }
    }
}
