/** Keyword-anchored addresses and schools. Places and schools are fictional. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findLocations } from '../../src/signals/locations.js';

test('Indonesian and Malaysian addresses', () => {
  assert.deepEqual(findLocations('Namanya Dewi, rumahnya di Jl. Melati Fiktif No. 12 RT 03/RW 05, Kecamatan Contoh'), [
    'Jl. Melati Fiktif No. 12 RT 03/RW 05',
    'Kecamatan Contoh',
  ]);
  assert.deepEqual(findLocations('Gang Mawar 2 dekat pasar'), ['Gang Mawar 2']);
  assert.deepEqual(findLocations('RT 03 RW 05'), ['RT 03 RW 05']);
  assert.deepEqual(findLocations('rumah kat Taman Contoh'), ['Taman Contoh']);
  assert.deepEqual(findLocations('Jalan SS 2/24 Petaling'), ['Jalan SS 2/24 Petaling']);
});

test('English, Albanian, Korean and Chinese addresses', () => {
  assert.deepEqual(findLocations('Her address is 45 Fictional Lane, Exampleton'), ['45 Fictional Lane']);
  assert.deepEqual(findLocations('lives at 12 Example Street'), ['12 Example Street']);
  assert.deepEqual(findLocations('Rruga e Kavajes, Tirane'), ['Rruga e Kavajes']);
  assert.deepEqual(findLocations('서울시 강남구 역삼동 살아'), ['서울시 강남구 역삼동']);
  assert.deepEqual(findLocations('경기도 수원시 영통구'), ['경기도 수원시 영통구']);
  assert.deepEqual(findLocations('她在北京市朝阳区的学校上学'), ['北京市朝阳区']);
});

test('schools', () => {
  assert.deepEqual(findLocations('anak SMAN 3 Bandung katanya'), ['SMAN 3 Bandung']);
  assert.deepEqual(findLocations('SMA Negeri 1 Kota Fiktif'), ['SMA Negeri 1 Kota Fiktif']);
  assert.deepEqual(findLocations('Sekolah Menengah Kebangsaan Taman Contoh'), [
    'Sekolah Menengah Kebangsaan Taman Contoh',
  ]);
  assert.deepEqual(findLocations('She goes to Fictional Valley High School'), ['Fictional Valley High School']);
  assert.deepEqual(findLocations('가상고등학교 2학년 누구임?'), ['가상고등학교']);
  assert.deepEqual(findLocations('她在第一中学'), ['第一中学']);
  assert.deepEqual(findLocations('我在上海中学读书'), ['上海中学']);
  assert.deepEqual(findLocations('Shkolla e Mesme Fiktive'), ['Shkolla e Mesme Fiktive']);
});

test('ordinary words are not places', () => {
  for (const text of [
    'jalan-jalan ke taman',
    'lulus SMA tahun 2019',
    'sekolah itu bagus',
    '나도 친구 만나러 가',
    '당시 친구들이',
    'The meeting is at 3pm in room 204',
    'I walked down the road',
    '开会时间改到 10:00',
  ])
    assert.deepEqual(findLocations(text), [], text);
});
