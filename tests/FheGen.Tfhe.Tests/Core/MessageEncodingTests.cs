using System;
using FheGen.Tfhe.Commons;

namespace FheGen.Tfhe.Tests.Core;

public class MessageEncodingTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    [InlineData(8)]
    [InlineData(16)]
    public void Delta_leaves_one_padding_bit(int p)
    {
        ulong delta = MessageEncoding.Delta(p);
        Assert.Equal(1UL << (63 - p), delta);

        // The largest message fills the p bits under the padding bit and leaves the top bit clear.
        ulong top = MessageEncoding.Encode((1UL << p) - 1, p);
        Assert.Equal(0UL, top >> 63);
        Assert.Equal(1UL << 63, top + delta);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(8)]
    public void Decode_rounds_to_the_nearest_message(int p)
    {
        ulong delta = MessageEncoding.Delta(p);
        for (ulong m = 0; m < 1UL << p; m++)
        {
            ulong plain = MessageEncoding.Encode(m, p);
            Assert.Equal(m, MessageEncoding.Decode(plain, p));
            Assert.Equal(m, MessageEncoding.Decode(plain + delta / 2 - 1, p));
            Assert.Equal(m, MessageEncoding.Decode(plain - delta / 2, p));
            Assert.Equal((m + 1) % (1UL << p), MessageEncoding.Decode(plain + delta / 2, p));
        }
    }

    [Fact]
    public void Padding_overflow_is_visible_with_padding_and_dropped_without()
    {
        const int p = 4;
        ulong sixteen = 16 * MessageEncoding.Delta(p);
        Assert.Equal(16UL, MessageEncoding.DecodeWithPadding(sixteen, p));
        Assert.Equal(0UL, MessageEncoding.Decode(sixteen, p));

        // A small negative error on message 0 wraps to the top of the torus and still rounds back to 0.
        Assert.Equal(0UL, MessageEncoding.DecodeWithPadding(ulong.MaxValue - 4, p));
    }

    [Fact]
    public void Signed_messages_go_through_the_offset()
    {
        const int p = 5;
        for (long m = -16; m < 16; m++)
        {
            ulong plain = MessageEncoding.EncodeSigned(m, p);
            Assert.Equal((ulong)(m + 16) * MessageEncoding.Delta(p), plain);
            Assert.Equal(m, MessageEncoding.DecodeSigned(plain, p));
        }

        Assert.Throws<ArgumentOutOfRangeException>(() => MessageEncoding.EncodeSigned(16, p));
        Assert.Throws<ArgumentOutOfRangeException>(() => MessageEncoding.EncodeSigned(-17, p));
    }

    [Fact]
    public void Out_of_range_arguments_throw()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => MessageEncoding.Encode(16, 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => MessageEncoding.Delta(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => MessageEncoding.Delta(63));
        Assert.Equal(2UL, MessageEncoding.Delta(MessageEncoding.MaxBits));
    }
}
