/** Word lists for the synthetic registry: common Filipino names and real places with their postal codes. */

/** Family names, most common first (the generator draws them with a Zipf-like skew). */
export const FAMILY_NAMES = [
  'Santos', 'Reyes', 'Cruz', 'Bautista', 'Ocampo', 'Garcia', 'Mendoza', 'Torres', 'Tomas', 'Andrada', 'Castillo', 'Flores',
  'Villanueva', 'Ramos', 'Castro', 'Rivera', 'Aquino', 'Navarro', 'Salazar', 'Mercado', 'Dela Cruz', 'De Leon', 'Del Rosario',
  'Gonzales', 'Lopez', 'Hernandez', 'Perez', 'Ramirez', 'Soriano', 'Aguilar', 'Manalo', 'Pascual', 'Domingo', 'Santiago',
  'Valdez', 'Fernandez', 'Gomez', 'Diaz', 'Morales', 'Dizon', 'Salvador', 'Francisco', 'Sison', 'Lim', 'Tan', 'Go', 'Sy', 'Yu',
  'Chua', 'Ong', 'Co', 'Uy', 'Lacson', 'Macaraeg', 'Magbanua', 'Dimaculangan', 'Panganiban', 'Mangubat', 'Maglaya', 'Dumalagan',
  'Cabrera', 'Padilla', 'Evangelista', 'Gutierrez', 'Marquez', 'Rosales', 'Vergara', 'Samonte', 'Jimenez', 'Aranas', 'Lagman',
  'Ilagan', 'Buenaventura', 'Cortez', 'Tolentino', 'Robles', 'Espiritu', 'Alcantara', 'Mallari', 'Guevarra', 'Nepomuceno',
  'Sarmiento', 'Saldana', 'Velasco', 'Estrada', 'Villareal', 'Quiambao', 'Pangilinan', 'Manalastas', 'Lacsamana', 'Catapang',
  'Bernardo', 'Miranda', 'Cabanero', 'Ignacio', 'Agustin', 'Dela Pena', 'Fajardo', 'Abad', 'Agbayani', 'Batungbakal', 'Bayani',
  'Calderon', 'Concepcion', 'Dalisay', 'De Guzman', 'Delos Santos', 'Esguerra', 'Galang', 'Hidalgo', 'Javier', 'Katigbak',
  'Lualhati', 'Macapagal', 'Magsaysay', 'Natividad', 'Olivares', 'Pineda', 'Quijano', 'Roxas', 'Sebastian', 'Tuazon',
  'Umali', 'Valenzuela', 'Yap', 'Zamora', 'Baluyot', 'Candelaria', 'Dimagiba', 'Enriquez', 'Ferrer', 'Gatchalian', 'Habana',
  'Ibañez', 'Jacinto', 'Laurel', 'Maceda', 'Nuñez', 'Ordoñez', 'Peña', 'Quintos', 'Rodriguez', 'Sanchez', 'Tiongson',
];

export const MALE_GIVEN = [
  'Jose', 'Juan', 'Mark', 'John Paul', 'Michael', 'Christian', 'Jerome', 'Paolo', 'Carlo', 'Ramon', 'Rodrigo', 'Danilo',
  'Ernesto', 'Eduardo', 'Roberto', 'Antonio', 'Francisco', 'Manuel', 'Ricardo', 'Fernando', 'Andres', 'Gabriel', 'Rafael',
  'Miguel', 'Angelo', 'Joshua', 'Kenneth', 'Kevin', 'Bryan', 'Jericho', 'Rommel', 'Arnel', 'Rolando', 'Reynaldo', 'Alfredo',
  'Benjamin', 'Dennis', 'Emmanuel', 'Gilbert', 'Henry', 'Isidro', 'Jun', 'Leonardo', 'Marvin', 'Nestor', 'Oscar', 'Pedro',
  'Renato', 'Santiago', 'Teodoro', 'Virgilio', 'Wilfredo', 'Niño', 'Jayson', 'Aldrin', 'Edwin', 'Florante', 'Gregorio',
];

export const FEMALE_GIVEN = [
  'Maria', 'Ana', 'Princess', 'Mary Joy', 'Kristine', 'Angel', 'Jasmine', 'Rhea', 'Luz', 'Rosario', 'Teresita', 'Elena',
  'Ligaya', 'Marites', 'Corazon', 'Isabel', 'Nicole', 'Lily', 'Felicidad', 'Luzviminda', 'Josephine', 'Maricel', 'Rowena',
  'Cristina', 'Erlinda', 'Gloria', 'Imelda', 'Juliet', 'Leonora', 'Marilou', 'Nenita', 'Perla', 'Remedios', 'Shiela',
  'Violeta', 'Wilma', 'Andrea', 'Bea', 'Camille', 'Danica', 'Ella', 'Faith', 'Grace', 'Hazel', 'Irene', 'Janine', 'Katherine',
  'Lorna', 'Mylene', 'Norma', 'Precious', 'Queenie', 'Rosemarie', 'Sarah', 'Trisha', 'Vilma', 'Zenaida', 'Divina', 'Milagros',
];

export const STREETS = [
  'Rizal', 'Mabini', 'Bonifacio', 'Luna', 'Del Pilar', 'Burgos', 'Quezon', 'Aguinaldo', 'Magsaysay', 'Osmeña', 'Roxas',
  'Sampaguita', 'Ilang-Ilang', 'Narra', 'Acacia', 'Mangga', 'Kalayaan', 'Maharlika', 'Masagana', 'Malvar',
];

export const BARANGAYS = [
  'Poblacion', 'San Isidro', 'San Jose', 'San Roque', 'Santa Cruz', 'Santo Niño', 'San Antonio', 'Bagong Silang', 'Mabuhay',
  'Maligaya', 'Malinis', 'Masagana', 'Bagumbayan', 'Tabing Ilog', 'Lourdes', 'Santa Maria', 'San Vicente', 'Kamuning',
  'Commonwealth', 'Tibungco', 'Kamputhaw', 'Taculing', 'Tetuan', 'Bitano', 'Pinyahan', 'Rizal Pala-Pala',
];

/** [city or municipality, province, postal code] */
export const PLACES: ReadonlyArray<readonly [string, string, string]> = [
  ['Quezon City', 'Metro Manila', '1100'], ['Manila', 'Metro Manila', '1000'], ['Caloocan', 'Metro Manila', '1400'],
  ['Taguig', 'Metro Manila', '1630'], ['Pasig', 'Metro Manila', '1600'], ['Cebu City', 'Cebu', '6000'],
  ['Lapu-Lapu City', 'Cebu', '6015'], ['Davao City', 'Davao del Sur', '8000'], ['Iloilo City', 'Iloilo', '5000'],
  ['Bacolod City', 'Negros Occidental', '6100'], ['Tacloban City', 'Leyte', '6500'], ['Ormoc City', 'Leyte', '6541'],
  ['Zamboanga City', 'Zamboanga del Sur', '7000'], ['Cagayan de Oro', 'Misamis Oriental', '9000'],
  ['General Santos', 'South Cotabato', '9500'], ['Baguio City', 'Benguet', '2600'], ['Legazpi City', 'Albay', '4500'],
  ['Naga City', 'Camarines Sur', '4400'], ['Tuguegarao City', 'Cagayan', '3500'], ['San Fernando', 'Pampanga', '2000'],
  ['Batangas City', 'Batangas', '4200'], ['Lucena City', 'Quezon', '4301'], ['Puerto Princesa', 'Palawan', '5300'],
  ['Dumaguete City', 'Negros Oriental', '6200'], ['Roxas City', 'Capiz', '5800'], ['Butuan City', 'Agusan del Norte', '8600'],
  ['Koronadal', 'South Cotabato', '9506'], ['Cotabato City', 'Maguindanao', '9600'], ['Laoag City', 'Ilocos Norte', '2900'],
  ['Vigan City', 'Ilocos Sur', '2700'], ['Tarlac City', 'Tarlac', '2300'], ['Malolos', 'Bulacan', '3000'],
  ['Calamba', 'Laguna', '4027'], ['Antipolo', 'Rizal', '1870'], ['Catbalogan', 'Samar', '6700'], ['Surigao City', 'Surigao del Norte', '8400'],
];

/** Literal text the generator puts into indexed fields besides the lists above. */
export const TEMPLATE_TEXT = 'Purok Blk Lot Street Barangay 0123456789 ,-';
