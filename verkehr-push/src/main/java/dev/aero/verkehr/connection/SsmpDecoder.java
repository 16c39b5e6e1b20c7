package dev.aero.verkehr.connection;

import java.util.List;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;

import dev.aero.common.ssmp.SsmpGrammarException;
import dev.aero.common.ssmp.SsmpRequest;
import dev.aero.common.ssmp.SsmpRequestParser;

/**
 * Splits the byte stream into {@link SsmpRequest}s with the platform's one SSMP parser (module
 * common), reading the cumulation buffer in place. The first grammar error yields
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
            SsmpRequest request = SsmpRequestParser.parse(bytes(in));
            if (request != null) {
                out.add(request);
            }
        } catch (SsmpGrammarException e) {
            failed = true;
            in.skipBytes(in.readableBytes());
            out.add(MALFORMED);
        }
    }

    /** The readable bytes of a Netty buffer, as the parser reads them; a parsed request moves the reader index. */
    static SsmpRequestParser.Bytes bytes(ByteBuf in) {
        return new SsmpRequestParser.Bytes() {
            @Override
            public int start() {
                return in.readerIndex();
            }

            @Override
            public int end() {
                return in.writerIndex();
            }

            @Override
            public byte get(int index) {
                return in.getByte(index);
            }

            @Override
            public int indexOf(int from, int to, byte value) {
                return in.indexOf(from, to, value);
            }

            @Override
            public void copy(int from, byte[] into) {
                in.getBytes(from, into);
            }

            @Override
            public void consumeTo(int index) {
                in.readerIndex(index);
            }
        };
    }
}
