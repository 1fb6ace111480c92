package uploads

import (
	"encoding/binary"
	"math"
	"testing"
)

func TestParseEXIF(t *testing.T) {
	le, be := binary.LittleEndian, binary.BigEndian
	gps := &[2]float64{35.6586, 139.7454}
	truncated := testEXIF(le, 6, gps)
	truncated = truncated[:len(truncated)-30]
	badRef := buildTIFF(le, nil, []tiffEntry{
		{tagGPSLatRef, tiffTypeASCII, 2, []byte("X\x00")},
		{tagGPSLat, tiffTypeRational, 3, dms(le, 1)},
		{tagGPSLngRef, tiffTypeASCII, 2, []byte("E\x00")},
		{tagGPSLng, tiffTypeRational, 3, dms(le, 1)},
	})
	zeroDen := buildTIFF(be, nil, []tiffEntry{
		{tagGPSLatRef, tiffTypeASCII, 2, []byte("N\x00")},
		{tagGPSLat, tiffTypeRational, 1, append(u32(be, 5), u32(be, 0)...)},
		{tagGPSLngRef, tiffTypeASCII, 2, []byte("E\x00")},
		{tagGPSLng, tiffTypeRational, 3, dms(be, 1)},
	})
	tooFar := buildTIFF(le, nil, []tiffEntry{
		{tagGPSLatRef, tiffTypeASCII, 2, []byte("N\x00")},
		{tagGPSLat, tiffTypeRational, 3, dms(le, 91)},
		{tagGPSLngRef, tiffTypeASCII, 2, []byte("E\x00")},
		{tagGPSLng, tiffTypeRational, 3, dms(le, 1)},
	})
	hugeCount := testEXIF(le, 3, nil)
	binary.LittleEndian.PutUint16(hugeCount[8:], 0xFFFF)
	selfGPS := buildTIFF(le, []tiffEntry{{tagGPSIFD, tiffTypeLong, 1, u32(le, 8)}}, nil)

	cases := []struct {
		name        string
		data        []byte
		orientation int
		lat, lng    *float64
	}{
		{"LittleEndian", testEXIF(le, 6, gps), 6, &gps[0], &gps[1]},
		{"BigEndian", testEXIF(be, 8, gps), 8, &gps[0], &gps[1]},
		{"SouthWest", testEXIF(le, 1, &[2]float64{-1.5, -70.25}), 1, ptr(-1.5), ptr(-70.25)},
		{"NoGPS", testEXIF(be, 3, nil), 3, nil, nil},
		{"NoOrientation", testEXIF(le, 0, nil), 1, nil, nil},
		{"OrientationOutOfRange", testEXIF(le, 9, nil), 1, nil, nil},
		{"NullIsland", testEXIF(le, 1, &[2]float64{0, 0}), 1, nil, nil},
		{"TruncatedGPS", truncated, 6, nil, nil},
		{"BadHemisphere", badRef, 1, nil, nil},
		{"ZeroDenominator", zeroDen, 1, nil, nil},
		{"LatitudeOver90", tooFar, 1, nil, nil},
		{"EntryCountPastEnd", hugeCount, 3, nil, nil},
		{"GPSPointsAtIFD0", selfGPS, 1, nil, nil},
		{"Empty", nil, 1, nil, nil},
		{"BadMagic", []byte("II\x2b\x00\x08\x00\x00\x00"), 1, nil, nil},
		{"NotTIFF", []byte("hello, world"), 1, nil, nil},
		{"IFDOffsetPastEnd", []byte("MM\x00\x2a\xff\xff\xff\xf0"), 1, nil, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := parseEXIF(tc.data)
			if got.orientation != tc.orientation {
				t.Errorf("orientation = %d, want %d", got.orientation, tc.orientation)
			}
			if !sameCoord(got.lat, tc.lat) || !sameCoord(got.lng, tc.lng) {
				t.Errorf("GPS = %v,%v, want %v,%v", deref(got.lat), deref(got.lng), deref(tc.lat), deref(tc.lng))
			}
		})
	}
}

func ptr(f float64) *float64 { return &f }

func sameCoord(got, want *float64) bool {
	if got == nil || want == nil {
		return got == want
	}
	return math.Abs(*got-*want) < 1e-6
}

func FuzzParseEXIF(f *testing.F) {
	for _, bo := range []binary.ByteOrder{binary.LittleEndian, binary.BigEndian} {
		full := testEXIF(bo, 6, &[2]float64{51.5, -0.12})
		f.Add(full)
		f.Add(full[:len(full)/2])
		f.Add(testEXIF(bo, 0, nil))
	}
	f.Add([]byte("MM\x00\x2a\x00\x00\x00\x08\x00\x01"))
	f.Fuzz(func(t *testing.T, data []byte) {
		info := parseEXIF(data)
		if info.orientation < 1 || info.orientation > 8 {
			t.Fatalf("orientation %d", info.orientation)
		}
		if (info.lat == nil) != (info.lng == nil) {
			t.Fatal("only one of latitude and longitude")
		}
		if info.lat != nil && (math.Abs(*info.lat) > 90 || math.Abs(*info.lng) > 180) {
			t.Fatalf("GPS out of range: %v,%v", *info.lat, *info.lng)
		}
	})
}
